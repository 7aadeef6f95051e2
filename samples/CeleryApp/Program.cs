using CeleryApp.Tasks.Remote;
using TaskGen;
using TaskGen.Scheduling;

// The worker program: `dotnet run --project samples/CeleryApp -- worker -Q calc,celery`; `beat` sends the schedule.
return await TaskApp.RunAsync(args, app => app
    .AddCeleryAppTasks()
    .AddSchedule(schedule => schedule.Add("area.hourly", Geometry.RectArea.Signature(2, 3), Schedule.Cron("0 * * * *"))));
