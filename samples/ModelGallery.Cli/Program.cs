// The gallery CLI: list, summary, train, predict, export, figures and doctor. See GalleryCli.
using ModelGallery.Cli;
using Spectre.Console;

IAnsiConsole console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    console.Profile.Width = 200; // a file or pipe has no width of its own: keep tables on one line per row
}

return GalleryCli.Run(args, console, Console.Error);
