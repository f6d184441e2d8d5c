using System.Text.Json.Serialization;

namespace ModelGallery.Native;

/// <summary>How one run of the oneDNN canary ended (written by name in the cached verdict).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OneDnnOutcome>))]
internal enum OneDnnOutcome
{
    /// <summary>Every case computed what libtorch's reference path computes, within the tolerance.</summary>
    Correct,

    /// <summary>The canary ran to the end and at least one case was outside the tolerance.</summary>
    Wrong,

    /// <summary>The child process died after loading libtorch (a signal such as SIGFPE, or a native error), so oneDNN cannot be trusted.</summary>
    Crashed,

    /// <summary>The child process did not finish in time and was stopped.</summary>
    TimedOut,

    /// <summary>The check could not be run here (no child process could be started, or it failed before loading libtorch): no evidence either way.</summary>
    NotRun,
}
