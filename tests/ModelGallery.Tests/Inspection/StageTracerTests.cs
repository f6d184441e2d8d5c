using ModelGallery.Inspection;
using ModelGallery.Tests.Readme;

namespace ModelGallery.Tests.Inspection;

public sealed class StageTracerTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Trace_reports_each_stage_as_independent_hooks_see_it(string model)
    {
        var live = LiveModel.Of(model);

        var trace = StageTracer.Trace(live.Model, batch: LiveModel.Batch);

        trace.Select(t => t.Stage).Should().Equal(live.Model.Stages);
        trace.Select(t => string.Join("x", t.OutputShape)).Should().Equal(live.Stages.Select(s => string.Join("x", s.Output)));
        trace.Sum(t => t.Parameters).Should().Be(live.Model.parameters().Sum(p => p.numel()), "every parameter belongs to exactly one stage");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Trace_restores_the_training_mode_and_removes_its_hooks(bool training)
    {
        using var model = new ModelGallery.Models.LeNet5();
        model.train(training);

        StageTracer.Trace(model);
        var second = StageTracer.Trace(model, batch: 3);

        model.training.Should().Be(training);
        second[0].OutputShape.Should().Equal(3, 6, 28, 28);
    }

    [Fact]
    public void Trace_rejects_a_batch_below_one()
    {
        using var model = new ModelGallery.Models.LeNet5();

        FluentActions.Invoking(() => StageTracer.Trace(model, batch: 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
