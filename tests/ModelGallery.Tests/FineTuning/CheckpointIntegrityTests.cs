using System.Text;
using ModelGallery.Models;
using ModelGallery.Training;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>A checkpoint carries the SHA-256 of its content; a flipped bit is refused with the file's name.</summary>
public sealed class CheckpointIntegrityTests : TempFolder
{
    /// <summary>The blocks after the header: 0 the weights (safetensors), 1 the optimizer state.</summary>
    public static TheoryData<string, int> Blocks => new()
    {
        { "weights", 0 },
        { "optimizer state", 1 },
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_single_flipped_bit_in_a_block_is_refused_naming_the_file_and_nothing_changes(string what, int block)
    {
        var (images, labels) = Fashion;
        string checkpoint = Path.Combine(Folder, "flipped.ckpt");
        var options = new TrainingOptions { Epochs = 2 };
        using (var model = new LeNet5())
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch(Shuffled(images, labels, 64, trainer.Shuffling)); // momentum buffers exist
            trainer.SaveCheckpoint(checkpoint);
        }

        byte[] bytes = File.ReadAllBytes(checkpoint);
        var (start, length) = BlockRange(bytes, block);
        bytes[start + (length / 2)] ^= 0x10;
        File.WriteAllBytes(checkpoint, bytes);
        using var other = new LeNet5();
        var before = Snapshot(other);
        using var resumed = new Trainer(other, options);

        FluentActions.Invoking(() => resumed.Resume(checkpoint)).Should().Throw<InvalidDataException>(what)
            .WithMessage($"'{checkpoint}' is corrupt: its content has SHA-256 *, but the checkpoint was written with *");
        resumed.EpochsDone.Should().Be(0);
        other.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, before[e.Key]).Should().BeTrue(e.Key));
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused_naming_the_file()
    {
        string checkpoint = Path.Combine(Folder, "short.ckpt");
        using var model = new LeNet5();
        using var trainer = new Trainer(model, new TrainingOptions());
        trainer.SaveCheckpoint(checkpoint);
        byte[] bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..^1]);

        FluentActions.Invoking(() => trainer.Resume(checkpoint)).Should().Throw<InvalidDataException>().WithMessage($"'{checkpoint}' is*");
    }

    /// <summary>Where block <paramref name="index"/>'s bytes lie: after the magic and header strings, each block is an int32 length and its bytes.</summary>
    private static (int Start, int Length) BlockRange(byte[] file, int index)
    {
        using var reader = new BinaryReader(new MemoryStream(file), Encoding.UTF8);
        reader.ReadString();
        reader.ReadString();
        for (int i = 0; ; i++)
        {
            int length = reader.ReadInt32();
            if (i == index)
            {
                return ((int)reader.BaseStream.Position, length);
            }

            reader.BaseStream.Seek(length, SeekOrigin.Current);
        }
    }
}
