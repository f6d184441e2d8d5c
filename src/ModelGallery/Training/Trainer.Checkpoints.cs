using System.Text;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>Checkpoints: everything a run needs to continue bit for bit, in one file written atomically.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Writes a checkpoint: the model's state_dict (safetensors), the optimizer's state (TorchSharp's format), the
    /// epochs and steps done (the schedule's position), the best validation accuracy, TorchSharp's global generator
    /// state, <see cref="Shuffling"/>'s state (as it was at the start of an unfinished epoch), the tallies of an unfinished
    /// epoch and <see cref="History"/>, followed by the SHA-256 of all of it. The file is written under a temporary name
    /// beside <paramref name="path"/> and renamed over it, so it is replaced whole or not at all.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="IOException">The path cannot be written or is not a regular file.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var lease = model.Usage.EnterExclusive(nameof(SaveCheckpoint));
        var header = new CheckpointHeader(CheckpointFile.FormatVersion, model.GetName(), Describe(options), epochsDone, stepsInEpoch, bestAccuracy, tally, [.. history]);
        byte[] weights, optimizerState;
        using (var scope = NewDisposeScope())
        using (var buffer = new MemoryStream())
        {
            var stateDict = model.state_dict().ToDictionary(e => e.Key, e => e.Value.cpu().contiguous());
            StateDictFile.Write(buffer, stateDict, WeightsFormat.SafeTensors);
            weights = buffer.ToArray();
        }

        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                optimizer.save_state_dict(writer);
            }

            optimizerState = buffer.ToArray();
        }

        byte[] global;
        using (var state = get_rng_state())
        {
            global = state.data<byte>().ToArray();
        }

        byte[] shuffling = stepsInEpoch > 0 ? epochStartShuffling! : State(Shuffling);
        CheckpointFile.Write(path, header, [weights, optimizerState, global, shuffling]);
    }

    /// <summary>
    /// Continues from a checkpoint that a trainer with the same model architecture and the same options wrote: loads
    /// the weights (strictly), the optimizer state, the position in the schedule, the best accuracy and both
    /// generators' states. The next <see cref="Run"/> or <see cref="TrainEpoch"/> then goes on where the checkpoint
    /// left off, and ends with the same weights, bit for bit, as a run that was never interrupted. <see cref="History"/>
    /// becomes the checkpoint's.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint, is corrupt (its content does not match the SHA-256 written with it; the message
    /// names the file), or was written for another model or other options; nothing was changed.
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public void Resume(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var lease = model.Usage.EnterExclusive(nameof(Resume));
        var (header, blocks) = CheckpointFile.Read(path);
        string expected = Describe(options);
        if (header.Model != model.GetName() || header.Options != expected)
        {
            throw new InvalidDataException(
                $"'{path}' was written for {header.Model} with options {header.Options}; this trainer has {model.GetName()} with options {expected}. Resume with the same model and options.");
        }

        using (var weights = new MemoryStream(blocks[0]))
        {
            model.LoadWeights(weights, path, WeightsFormat.SafeTensors);
        }

        using (var state = new BinaryReader(new MemoryStream(blocks[1])))
        {
            optimizer.load_state_dict(state);
        }

        using (var global = tensor(blocks[2]))
        {
            set_rng_state(global);
        }

        Restore(Shuffling, blocks[3]);
        epochsDone = header.EpochsDone;
        stepsInEpoch = header.StepsInEpoch;
        epochStartShuffling = header.StepsInEpoch > 0 ? blocks[3] : null;
        bestAccuracy = header.BestAccuracy;
        tally = header.Tally;
        history.Clear();
        history.AddRange(header.History);
        DropCache();
    }

    /// <summary>
    /// The options as the checkpoint records them: the record's own text, with numbers written the invariant way, so that
    /// a checkpoint saved under one culture resumes under another ("0.01", never "0,01").
    /// </summary>
    private static string Describe(TrainingOptions options)
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        try
        {
            return options.ToString();
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }
}
