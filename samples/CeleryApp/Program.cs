using TaskGen;

// The worker program: `dotnet run --project samples/CeleryApp -- worker -Q calc,celery`.
return await TaskApp.RunAsync(args, app => app.AddCeleryAppTasks());
