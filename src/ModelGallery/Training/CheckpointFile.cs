using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGallery.IO;

namespace ModelGallery.Training;

/// <summary>
/// The checkpoint file format of <see cref="Trainer"/>: a magic string, a JSON header, four length-prefixed blocks
/// (model state_dict as safetensors, optimizer state in TorchSharp's format, the global generator's state, the shuffling
/// generator's state), then the SHA-256 of every byte before it. The hash is checked before anything is parsed, so a
/// flipped bit anywhere in the file is refused with an error naming the file.
/// </summary>
internal static class CheckpointFile
{
    /// <summary>The first thing in a checkpoint file.</summary>
    public const string Magic = "ModelGallery training checkpoint";

    /// <summary>The format written and read; version 1 (no hash, no history) is refused.</summary>
    public const int FormatVersion = 2;

    private const int BlockCount = 4;
    private const int HashBytes = 32;

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes the checkpoint atomically (whole or not at all).</summary>
    /// <exception cref="IOException">The path cannot be written or is not a regular file.</exception>
    public static void Write(string path, CheckpointHeader header, IReadOnlyList<byte[]> blocks)
    {
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var writer = new BinaryWriter(new HashingStream(stream, hash), Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(JsonSerializer.Serialize(header, Json));
                foreach (byte[] block in blocks)
                {
                    writer.Write(block.Length);
                    writer.Write(block);
                }
            }

            stream.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is of another version, or its content does not match its SHA-256 (corrupt).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static (CheckpointHeader Header, byte[][] Blocks) Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        try
        {
            string magic = reader.ReadString();
            if (magic != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a training checkpoint: it should start with '{Magic}' but starts with '{magic[..Math.Min(magic.Length, 40)]}'.");
            }

            Verify(path, file);
            file.Position = 0;
            reader.ReadString();
            var header = JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString(), Json)
                ?? throw new InvalidDataException($"'{path}' has an empty checkpoint header.");
            if (header.FormatVersion != FormatVersion)
            {
                throw new InvalidDataException($"'{path}' is a version {header.FormatVersion} checkpoint; this ModelGallery reads version {FormatVersion}.");
            }

            var blocks = new byte[BlockCount][];
            for (int i = 0; i < blocks.Length; i++)
            {
                int length = reader.ReadInt32();
                blocks[i] = length >= 0 && length <= file.Length - HashBytes - file.Position
                    ? reader.ReadBytes(length)
                    : throw new InvalidDataException($"'{path}' is truncated or corrupt: block {i + 1} of {BlockCount} claims {length:N0} bytes.");
            }

            return (header, blocks);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or FormatException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' is not a complete training checkpoint: {e.Message}", e);
        }
    }

    /// <summary>Compares the SHA-256 of everything but the last 32 bytes with those bytes.</summary>
    private static void Verify(string path, FileStream file)
    {
        long content = file.Length - HashBytes;
        if (content <= 0)
        {
            throw new InvalidDataException($"'{path}' is truncated: {file.Length:N0} bytes cannot hold a checkpoint and its SHA-256.");
        }

        file.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        for (long left = content; left > 0;)
        {
            int read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            hash.AppendData(buffer, 0, read);
            left -= read;
        }

        byte[] stored = new byte[HashBytes];
        file.ReadExactly(stored);
        byte[] actual = hash.GetHashAndReset();
        if (!CryptographicOperations.FixedTimeEquals(stored, actual))
        {
            throw new InvalidDataException(
                $"'{path}' is corrupt: its content has SHA-256 {Convert.ToHexStringLower(actual)}, but the checkpoint was written with {Convert.ToHexStringLower(stored)}. Resume from another checkpoint or start again.");
        }
    }

    /// <summary>A write-only stream that hashes what passes through it.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>The checkpoint's JSON header: whose run it is and where it stands.</summary>
internal sealed record CheckpointHeader(
    int FormatVersion, string Model, string Options, int EpochsDone, int StepsInEpoch, double? BestAccuracy,
    Trainer.EpochTally Tally, IReadOnlyList<EpochResult> History);
