using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>
/// The release switch itself: each parameter value imports the Celery it names, so a run that silently used one
/// release for both would fail here rather than pass every other test twice.
/// </summary>
public sealed class CeleryVersionTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task EachParameterImportsTheCeleryAndKombuItNames(string celery)
    {
        JsonElement versions = await Python.ScenarioAsync(celery, Broker.Url, "versions");

        Assert.Equal(celery, versions.GetProperty("celery").GetString());
        Assert.Equal(celery == Python.Celery52 ? "5.2.4" : "5.6.2", versions.GetProperty("kombu").GetString());
    }
}
