namespace ModelGallery.Benchmarks;

/// <summary>A model trained at a batch size (BenchmarkDotNet prints it via ToString).</summary>
public sealed record TrainingCase(string Model, int Batch)
{
    public override string ToString() => $"{Model}-b{Batch}";
}
