using TaskGen;

// The queues this app routes to. Declaring them lets the compiler check every route, and lets a
// worker started with -Q calc,celery know what it binds to.
[assembly: TaskQueue("calc")]
[assembly: TaskQueue("broadcast_calc", Broadcast = true)]
