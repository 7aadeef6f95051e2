using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// A task's canvas drawn as an SVG graph on its page: its root, parent, children, chain links, group members (boxed
/// together) and a chord's body, each node a link coloured by state.
/// </summary>
/// <remarks>
/// What the events say, and how it is read: every task of one workflow carries its <c>root_id</c>; a task sent by a
/// running task carries that task as <c>parent_id</c> (a chain's next link, a task's own sub-tasks); the members of a
/// group carry the group's id as <c>group</c>. A chord's body is sent, by Celery and TaskGen alike, by whichever
/// header member finishes last, so it is the task whose parent is a member of a group without being one itself: the
/// graph draws it after every member of that group, not only the one that happened to send it.
/// </remarks>
internal static class CanvasGraph
{
    /// <summary>The most nodes drawn; a larger canvas is cut, and the page says so.</summary>
    public const int MaxNodes = 300;

    private const int NodeWidth = 210;
    private const int NodeHeight = 46;
    private const int ColumnGap = 70;
    private const int RowGap = 18;
    private const int Margin = 24;
    private const int GroupPad = 10;

    /// <summary>Finds the task's family in the store and draws it; a task with no family gets a sentence instead.</summary>
    public static void Render(Html body, PageContext page, TaskRecord task)
    {
        List<TaskRecord> nodes = Family(page.Store, task, out bool cut);
        body.Raw("<h2>Canvas</h2>");
        if (nodes.Count <= 1)
        {
            body.Raw("<p class=\"empty\" id=\"canvas-none\">This task is not part of a canvas: it has no parent, children or group that the monitor has seen.</p>");
            return;
        }

        Graph graph = Layout(nodes);
        int groups = graph.Groups.Count;
        body.Raw("<p class=\"hint\">").Text($"{nodes.Count} tasks" + (groups > 0 ? $", {groups} group{(groups == 1 ? string.Empty : "s")}" : string.Empty)
            + (graph.Edges.Any(e => e.Chord) ? ", a chord body drawn after its whole header" : string.Empty)
            + (cut ? $"; only the first {MaxNodes} are drawn" : string.Empty) + ". Each node links to its task.").Raw("</p>");
        Draw(body, page, graph, task.Id);
    }

    /// <summary>The tasks that share the task's root or group, its parent and children, and the other groups among them.</summary>
    internal static List<TaskRecord> Family(MonitorStore store, TaskRecord task, out bool cut)
    {
        var found = new Dictionary<string, TaskRecord>(StringComparer.Ordinal) { [task.Id] = task };
        void Add(IEnumerable<TaskRecord> tasks)
        {
            foreach (TaskRecord item in tasks)
            {
                found.TryAdd(item.Id, item);
            }
        }

        Add(store.GetCanvas(task.RootId ?? task.Id, task.Group, MaxNodes + 1));
        var ids = new List<string>(task.Children);
        if (task.ParentId is { } parent)
        {
            ids.Add(parent);
        }

        Add(store.GetTasks(ids));

        // A group whose members have another root (sent from elsewhere) still belongs in the picture.
        foreach (string group in found.Values.Select(t => t.Group).OfType<string>().Distinct(StringComparer.Ordinal).Where(g => g != task.Group).Take(8).ToList())
        {
            Add(store.GetCanvas(null, group, MaxNodes + 1));
        }

        cut = found.Count > MaxNodes;
        return found.Values.OrderBy(t => t.Sent ?? t.Received ?? t.Timestamp ?? double.MaxValue).ThenBy(t => t.Sequence).Take(MaxNodes).ToList();
    }

    /// <summary>Places the nodes in columns by depth (a parent left of its children, a chord body right of its header), rows in send order, a group's members together.</summary>
    internal static Graph Layout(List<TaskRecord> nodes)
    {
        var byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var members = nodes.Where(n => n.Group is not null).GroupBy(n => n.Group!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var edges = new List<Edge>();
        var chordOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TaskRecord node in nodes)
        {
            if (node.ParentId is not { } parentId || !byId.TryGetValue(parentId, out TaskRecord? parent) || parentId == node.Id)
            {
                continue;
            }

            if (parent.Group is { } group && node.Group != group && members[group].Count > 1)
            {
                chordOf[node.Id] = group;
                foreach (TaskRecord member in members[group])
                {
                    edges.Add(new Edge(member.Id, node.Id, Chord: true));
                }
            }
            else
            {
                edges.Add(new Edge(parentId, node.Id, Chord: false));
            }
        }

        // Depths to a fixed point: each pass can only raise a depth, and a node's depth is below the node count, so
        // the passes end even for the cycles a hostile stream of parent ids could describe.
        var depth = nodes.ToDictionary(n => n.Id, _ => 0, StringComparer.Ordinal);
        for (int pass = 0; pass < nodes.Count; pass++)
        {
            bool changed = false;
            foreach (Edge edge in edges)
            {
                int wanted = Math.Min(depth[edge.From] + 1, nodes.Count);
                if (depth[edge.To] < wanted)
                {
                    depth[edge.To] = wanted;
                    changed = true;
                }
            }

            foreach (List<TaskRecord> group in members.Values)
            {
                int most = group.Max(m => depth[m.Id]);
                foreach (TaskRecord member in group)
                {
                    changed |= depth[member.Id] != most;
                    depth[member.Id] = most;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        var graph = new Graph { Edges = edges };
        foreach (var column in nodes.GroupBy(n => depth[n.Id]).OrderBy(c => c.Key))
        {
            double y = Margin + 18;
            foreach (var band in column.OrderBy(n => n.Group is null ? 1 : 0).ThenBy(n => n.Group, StringComparer.Ordinal).ThenBy(n => n.GroupIndex ?? int.MaxValue).ThenBy(n => n.Sequence).GroupBy(n => n.Group ?? "\0" + n.Id))
            {
                bool isGroup = band.First().Group is { } g && members[g].Count > 1;
                double top = y;
                if (isGroup)
                {
                    y += GroupPad + 14;
                }

                foreach (TaskRecord node in band)
                {
                    graph.Nodes.Add(new Node(node, X(column.Key), y, chordOf.ContainsKey(node.Id)));
                    y += NodeHeight + RowGap;
                }

                if (isGroup)
                {
                    y += GroupPad - RowGap;
                    graph.Groups.Add(new GroupBox(band.First().Group!, X(column.Key) - GroupPad, top, NodeWidth + (2 * GroupPad), y - top, chordOf.ContainsValue(band.First().Group!)));
                    y += RowGap + 8;
                }
            }

            graph.Width = Math.Max(graph.Width, X(column.Key) + NodeWidth + Margin);
            graph.Height = Math.Max(graph.Height, y + Margin);
        }

        return graph;
    }

    private static double X(int column) => Margin + GroupPad + (column * (NodeWidth + ColumnGap + (2 * GroupPad)));

    private static void Draw(Html body, PageContext page, Graph graph, string current)
    {
        var at = graph.Nodes.ToDictionary(n => n.Task.Id, StringComparer.Ordinal);
        body.Raw("<div class=\"canvas-wrap\"><svg id=\"canvas\" class=\"canvas\" role=\"img\" aria-label=\"Canvas graph\" xmlns=\"http://www.w3.org/2000/svg\"")
            .Attr("width", Num(graph.Width)).Attr("height", Num(graph.Height)).Attr("viewBox", $"0 0 {Num(graph.Width)} {Num(graph.Height)}").Raw(">")
            .Raw("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"arrow\"/></marker></defs>");
        foreach (GroupBox group in graph.Groups)
        {
            body.Raw("<g class=\"group\"").Attr("data-group", group.Id).Raw("><rect").Attr("x", Num(group.X)).Attr("y", Num(group.Y)).Attr("width", Num(group.Width)).Attr("height", Num(group.Height))
                .Raw(" rx=\"8\"/><text").Attr("x", Num(group.X + 8)).Attr("y", Num(group.Y + 16)).Raw(">")
                .Text((group.ChordHeader ? "chord header · group " : "group ") + Short(group.Id, 13)).Raw("</text></g>");
        }

        foreach (Edge edge in graph.Edges)
        {
            Node from = at[edge.From];
            Node to = at[edge.To];
            double x1 = from.X + NodeWidth, y1 = from.Y + (NodeHeight / 2.0), x2 = to.X, y2 = to.Y + (NodeHeight / 2.0);
            double bend = Math.Max(30, (x2 - x1) / 2);
            body.Raw("<path").Attr("class", edge.Chord ? "edge chord" : "edge").Attr("data-from", edge.From).Attr("data-to", edge.To)
                .Attr("d", $"M {Num(x1)} {Num(y1)} C {Num(x1 + bend)} {Num(y1)}, {Num(x2 - bend)} {Num(y2)}, {Num(x2)} {Num(y2)}")
                .Raw(" marker-end=\"url(#arrow)\"/>");
        }

        foreach (Node node in graph.Nodes)
        {
            TaskRecord task = node.Task;
            string cssClass = "node " + Html.StateClass(task.State) + (task.Id == current ? " current" : string.Empty) + (node.ChordBody ? " chord-body" : string.Empty);
            body.Raw("<a").Attr("href", page.Url("/task/" + Uri.EscapeDataString(task.Id))).Attr("class", cssClass).Attr("data-task", task.Id).Attr("data-state", task.State).Raw(">")
                .Raw("<title>").Text($"{task.Name} [{task.Id}] {task.State}").Raw("</title>")
                .Raw("<rect").Attr("x", Num(node.X)).Attr("y", Num(node.Y)).Attr("width", Num(NodeWidth)).Attr("height", Num(NodeHeight)).Raw(" rx=\"6\"/>")
                .Raw("<text class=\"n-name\"").Attr("x", Num(node.X + 8)).Attr("y", Num(node.Y + 18)).Raw(">").Text(Short(task.Name ?? "(unnamed)", 28)).Raw("</text>")
                .Raw("<text class=\"n-meta\"").Attr("x", Num(node.X + 8)).Attr("y", Num(node.Y + 36)).Raw(">")
                .Text(task.State + " · " + Short(task.Id, 8) + (node.ChordBody ? " · chord body" : string.Empty) + (task.Id == task.RootId || (task.RootId is null && task.ParentId is null) ? " · root" : string.Empty))
                .Raw("</text></a>");
        }

        body.Raw("</svg></div><p class=\"legend\"><span class=\"key edge-key\"></span>parent → child (chain link or sub-task) <span class=\"key chord-key\"></span>group → chord body</p>");
    }

    private static string Short(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>A placed graph.</summary>
    internal sealed class Graph
    {
        public List<Node> Nodes { get; } = [];

        public List<GroupBox> Groups { get; } = [];

        public List<Edge> Edges { get; init; } = [];

        public double Width { get; set; }

        public double Height { get; set; }
    }

    /// <summary>A task placed at its top-left corner.</summary>
    internal sealed record Node(TaskRecord Task, double X, double Y, bool ChordBody);

    /// <summary>A link: parent to child, or (<paramref name="Chord"/>) a header member to its chord's body.</summary>
    internal sealed record Edge(string From, string To, bool Chord);

    /// <summary>The box drawn around a group's members.</summary>
    internal sealed record GroupBox(string Id, double X, double Y, double Width, double Height, bool ChordHeader);
}
