using System.Collections.Generic;
using TaskGen;

[assembly: TaskQueue("shop")]

namespace TaskGen.Monitor.Tests.Apply;

/// <summary>Tasks of every argument kind, whose compiled signatures the apply form turns into fields.</summary>
public static class Shop
{
    [Task(Name = "shop.order", Queue = "shop")]
    public static string Order(int quantity, decimal price, string sku, bool gift, List<string> tags, string? note = null, int copies = 1) =>
        $"{quantity} x {sku}";
}
