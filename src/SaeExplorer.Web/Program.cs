using SaeExplorer.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddSaeExplorer();

var app = builder.Build();
app.UseSaeExplorer();
app.Run();
