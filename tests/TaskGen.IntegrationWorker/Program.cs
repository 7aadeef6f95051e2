using TaskGen;
using TaskGen.IntegrationWorker;

// A producer that sends and then waits to be killed, for tests of results that outlive their caller.
if (args is ["send-then-hang", ..])
{
    return await SendThenHang.RunAsync(args[1..]);
}

// A Generic Host app with a hosted worker, for the tests of how its start fails.
if (args is ["hosted", ..])
{
    return await HostedMode.RunAsync(args[1..]);
}

// A scheduler process with one entry, for tests that kill the leader.
if (args is ["beat", ..])
{
    return await BeatMode.RunAsync(args[1..]);
}

return await TaskApp.RunAsync(args, app => app.AddTaskGenIntegrationWorkerTasks().AddRedisResults());
