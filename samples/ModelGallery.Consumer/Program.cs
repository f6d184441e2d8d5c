// An application built on the ModelGallery packages: shipped weights, prediction, a summary, a registry lookup,
// the same network exported to ONNX and run in ONNX Runtime, and a photo classified with ImageNet weights.
using ModelGallery.Data;
using ModelGallery.Hub;
using ModelGallery.Images;
using ModelGallery.Inspection;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using static TorchSharp.torch;

var weights = LeNet5.FashionMnist;
using GalleryModel lenet = weights.Load();
Console.WriteLine($"ModelGallery {typeof(GalleryModel).Assembly.GetName().Version}: {weights.Name}, {weights.Label}, SHA-256 verified");

using (var scope = NewDisposeScope())
{
    Tensor images;
    string[] truth;
    if (File.Exists(Path.Combine(FashionMnist.DebianDirectory, "t10k-images-idx3-ubyte.gz")))
    {
        using var test = FashionMnist.Load(train: false);
        images = test.Images.narrow(0, 0, 5).clone();
        truth = [.. test.Labels.narrow(0, 0, 5).data<long>().ToArray().Select(label => weights.Categories[(int)label])];
    }
    else
    {
        images = zeros([5, 1, 28, 28], ScalarType.Byte);
        truth = ["?", "?", "?", "?", "?"];
    }

    Tensor inputs = LeNet5.FashionMnist.Preset.Apply(images);
    var predictions = lenet.Predict(inputs, topK: 1, labels: weights.Categories);
    string onnxPath = Path.Combine(Path.GetTempPath(), $"lenet5-{Environment.ProcessId}.onnx");
    lenet.ExportOnnx(onnxPath);
    using var onnx = new OnnxClassifier(onnxPath);
    File.Delete(onnxPath);
    var onnxPredictions = onnx.Predict(inputs.data<float>().ToArray(), inputs.shape, topK: 1, labels: weights.Categories);
    for (int i = 0; i < predictions.Count; i++)
    {
        Console.WriteLine($"test image {i}: predicted {predictions[i][0].Label} ({predictions[i][0].Probability:P1}), ONNX Runtime {onnxPredictions[i][0].Label} ({onnxPredictions[i][0].Probability:P1}), truth {truth[i]}");
        if (onnxPredictions[i][0].ClassIndex != predictions[i][0].ClassIndex)
        {
            throw new InvalidOperationException($"ONNX Runtime disagrees with TorchSharp on test image {i}.");
        }
    }
}

using var googlenet = ModelZoo.Create("googlenet");
var summary = ModelSummary.Create(googlenet);
Console.WriteLine($"GoogLeNet: {summary.Rows.Count} rows, {summary.TotalParameters:N0} parameters, {summary.TotalMacs:N0} MACs");
Console.WriteLine($"Registered models: {string.Join(", ", ModelZoo.Names)}");

// A photo, decoded by ModelGallery.Images and classified with torchvision-format ImageNet weights. CI has no
// internet, so the file is args[0] (the end-to-end tests' ResNet-18: torchvision's layout, not the published bytes)
// and the photo args[1]. Placed by hand in the cache (ModelGallery.Hub) under the published name, it is refused: its
// SHA-256 is not the catalogue's. Loaded without the hash check, it is a local file, not verified.
if (args.Length == 2)
{
    var resnet18 = ResNet.ResNet18ImageNet1K;
    string cache = Directory.CreateTempSubdirectory("modelgallery-consumer-").FullName;
    File.Copy(args[0], Path.Combine(cache, resnet18.FileName));
    using (var downloader = new WeightsDownloader(new WeightsCache(cache)))
    {
        try
        {
            using var cached = await resnet18.LoadAsync(downloader);
            throw new InvalidOperationException("A file placed by hand with another SHA-256 was loaded as the catalogue's.");
        }
        catch (WeightsDownloadException e)
        {
            Console.WriteLine($"Placed by hand, refused: {e.Message}");
        }
    }

    string label = ResNet.ResNet18Info.FindWeights(args[0])?.Label ?? PretrainedWeights.NotVerified;
    using var model = resnet18.Load(args[0], verifyHash: label != PretrainedWeights.NotVerified);
    using var photo = ImageFile.Read(args[1]);
    var top = resnet18.Classify(model, photo, topK: 3);
    Console.WriteLine($"{Path.GetFileName(args[1])} ({photo.shape[2]}×{photo.shape[1]}), {label}: {string.Join(", ", top.Select(p => $"{p.Label} {p.Probability:P1}"))}");
    Directory.Delete(cache, recursive: true);
}
