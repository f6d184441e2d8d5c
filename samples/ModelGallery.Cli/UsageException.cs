namespace ModelGallery.Cli;

/// <summary>An argument value found wrong only while running (a file that is not there, an index past the end): exit code 1.</summary>
internal sealed class UsageException(string message) : Exception(message);
