using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// Sends SIGINT to a child process without the race of <c>kill -INT pid</c>: a pid file descriptor is opened first and
/// the process is checked to be still running after that, so the signal can only reach that process, never another
/// one that got its pid after it exited (Linux 5.3+: pidfd_open, pidfd_send_signal).
/// </summary>
internal static partial class Signals
{
    private const long PidfdOpen = 434; // the same number on every architecture (generic syscall table)
    private const long PidfdSendSignal = 424;
    private const int SigInt = 2;

    /// <summary>Interrupts <paramref name="process"/>; false when it had already exited.</summary>
    public static bool Interrupt(Process process)
    {
        if (process.HasExited)
        {
            return false;
        }

        int fd = (int)Syscall(PidfdOpen, process.Id, 0, 0, 0);
        if (fd < 0)
        {
            return false; // the pid is gone already
        }

        try
        {
            if (process.HasExited)
            {
                return false; // the descriptor may be another process's
            }

            return Syscall(PidfdSendSignal, fd, SigInt, 0, 0) == 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c, long d);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}
