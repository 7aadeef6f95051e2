using TaskGen;

// Mail goes to its own queue so that a slow mail relay never holds up other work, and so that mail workers can be
// scaled on their own.
[assembly: TaskQueue("mail")]
