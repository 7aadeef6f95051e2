using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using TaskGen.Monitor.Apply;
using TaskGen.Worker;

namespace TaskGen.Monitor.Tests.Apply;

public sealed class ArgumentFormTests
{
    private static TaskSignatureInfo Order()
    {
        // The signature the generator compiled from Shop.Order, read through the app's registry as the monitor reads it.
        TaskApp app = TaskApp.Create(b => b.AddTaskGenMonitorTestsTasks());
        return Assert.Single(app.Tasks.Signatures(), s => s.Name == "shop.order");
    }

    [Fact]
    public void TheCompiledSignatureCarriesEachArgumentsTypeKindAndDefault()
    {
        TaskSignatureInfo order = Order();

        Assert.Equal("shop", order.Queue);
        Assert.Equal("string", order.ResultType);
        Assert.Equal(
            ["quantity:int:integer", "price:decimal:number", "sku:string:string", "gift:bool:boolean", "tags:List<string>:array", "note:string?:string", "copies:int:integer"],
            order.Arguments.Select(a => $"{a.Name}:{a.Type}:{a.JsonKind}"));
        Assert.True(order.Arguments.Single(a => a.Name == "note").Nullable);
        Assert.Equal("1", order.Arguments.Single(a => a.Name == "copies").DefaultValue);
    }

    [Fact]
    public void EachArgumentGetsAFieldOfItsKind()
    {
        string html = ArgumentForm.Render(Order());

        Assert.Contains("""<input type="number" step="1" id="arg-quantity" name="arg.quantity" required>""", html);
        Assert.Contains("""<input type="number" step="any" id="arg-price" name="arg.price" required>""", html);
        Assert.Contains("""<input type="checkbox" id="arg-gift" name="arg.gift" value="true">""", html);
        Assert.Contains("""<textarea id="arg-tags" name="arg.tags" rows="3" placeholder="[ ... ] (JSON)" required>""", html);
        Assert.Contains("""<input type="text" id="arg-note" name="arg.note">""", html);
        Assert.Contains("List&lt;string&gt;", html);
    }

    [Fact]
    public void AValidFormBecomesTypedKeywordArguments()
    {
        IReadOnlyList<string> problems = ArgumentForm.Read(Order(), Fields(("quantity", "3"), ("price", "9.99"), ("sku", "A-1"), ("gift", "true"), ("tags", """["red"]""")), out string kwargs);

        Assert.Empty(problems);
        Assert.Equal("""{"quantity":3,"price":9.99,"sku":"A-1","gift":true,"tags":["red"]}""", kwargs);
        using JsonDocument parsed = JsonDocument.Parse(kwargs);
        Assert.False(parsed.RootElement.TryGetProperty("copies", out _));
    }

    [Fact]
    public void EveryBadFieldIsNamedAtOnce()
    {
        IReadOnlyList<string> problems = ArgumentForm.Read(Order(), Fields(("quantity", "three"), ("price", "1,5"), ("tags", "{}")), out string kwargs);

        Assert.Equal(
            ["quantity: 'three' is not a whole number (int).", "price: '1,5' is not a number (decimal).", "sku: a value is required (string).", "tags: expected a JSON array (List<string>)."],
            problems);
        Assert.Equal("{}", kwargs);
    }

    private static Dictionary<string, string?> Fields(params (string Name, string Value)[] fields) =>
        fields.ToDictionary(f => ArgumentForm.FieldPrefix + f.Name, f => (string?)f.Value);
}
