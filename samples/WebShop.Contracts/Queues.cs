using TaskGen;

// Mail goes to its own queue so that a slow mail relay never holds up other work, and so that mail workers can be
// scaled on their own. Declared with the contract, so the web app and the worker route to it the same way.
[assembly: TaskQueue("mail")]
