using TaskGen;

return await TaskApp.RunAsync(args, app => app.AddTaskGenIntegrationWorkerTasks());
