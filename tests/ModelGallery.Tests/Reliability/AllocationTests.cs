using ModelGallery.Inspection;
using ModelGallery.Models;

namespace ModelGallery.Tests.Reliability;

/// <summary>Sizes that cannot be allocated: a typed exception naming the model and the size, never libtorch's raw one.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void A_class_count_whose_classifier_cannot_be_allocated_names_the_model_and_the_size()
    {
        var error = FluentActions.Invoking(() => new LeNet5(numClasses: int.MaxValue)).Should().Throw<InsufficientMemoryException>().Which;

        error.Message.Should().StartWith("LeNet5 with 2,147,483,647 classes and 3 input channels does not fit in memory.")
            .And.Contain("84 → 2,147,483,647 features (730.1 GB of float32 weights)");
        error.InnerException.Should().BeOfType<InsufficientMemoryException>().Which.InnerException.Should().BeAssignableTo<System.Runtime.InteropServices.ExternalException>();
    }

    [Fact]
    public void A_summary_batch_that_cannot_be_allocated_names_the_model_and_the_input()
    {
        using var model = new LeNet5();

        var error = FluentActions.Invoking(() => ModelSummary.Create(model, [200_000_000, 3, 32, 32])).Should().Throw<InsufficientMemoryException>().Which;

        error.Message.Should().StartWith("LeNet5 has not enough memory for a summary with input [200000000, 3, 32, 32] (2457.6 GB for the input alone)");
        model.training.Should().BeTrue("the summary restored the mode");
        ModelSummary.Create(model).TotalParameters.Should().Be(62_006, "the model is free again");
    }
}
