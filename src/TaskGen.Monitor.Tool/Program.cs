// taskgen-monitor: Flower's command line, served by TaskGen.Monitor.
return await TaskGen.Monitor.TaskGenMonitor.RunAsync(args);
