#include "sealion/nn/data_parallel.h"

namespace sealion {
namespace {

void SumInPlace(torch::Tensor& tensor, WorkSharing& sharing) {
  sharing.SumAcrossRanks(tensor.data_ptr<float>(), tensor.numel());
}

class SumAcrossRanksFunction : public torch::autograd::Function<SumAcrossRanksFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context,
                               const torch::Tensor& values, int64_t sharing_address) {
    context->saved_data["sharing"] = sharing_address;
    torch::Tensor sum = values.detach().to(torch::kFloat32).contiguous().clone();
    SumInPlace(sum, *reinterpret_cast<WorkSharing*>(sharing_address));
    return sum;
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                               torch::autograd::tensor_list gradients) {
    auto* sharing = reinterpret_cast<WorkSharing*>(context->saved_data["sharing"].toInt());
    torch::Tensor sum = gradients[0].contiguous().clone();
    SumInPlace(sum, *sharing);
    return {sum, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor SumAcrossRanksWithGradient(const torch::Tensor& values, WorkSharing& sharing) {
  return SumAcrossRanksFunction::apply(values, reinterpret_cast<int64_t>(&sharing));
}

torch::Tensor SynchronisedBatchNorm(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& norm,
                                    WorkSharing& sharing) {
  const int64_t channels = x.size(1);
  const double local_values = static_cast<double>(x.numel() / std::max<int64_t>(channels, 1));
  // One message per layer: sums, sums of squares and the number of values, per channel.
  const torch::Tensor local = torch::cat(
      {x.sum({0, 2, 3}), x.square().sum({0, 2, 3}), torch::full({1}, local_values, x.options())});
  const torch::Tensor total = SumAcrossRanksWithGradient(local, sharing);
  const torch::Tensor count = total.slice(0, 2 * channels, 2 * channels + 1).detach();
  const torch::Tensor mean = total.slice(0, 0, channels) / count;
  const torch::Tensor variance = total.slice(0, channels, 2 * channels) / count - mean.square();
  const double eps = norm.options.eps();
  const torch::Tensor scale = norm.weight * torch::rsqrt(variance + eps);
  const torch::Tensor y =
      x * scale.view({1, -1, 1, 1}) + (norm.bias - mean * scale).view({1, -1, 1, 1});
  {
    torch::NoGradGuard no_grad;
    const double momentum = norm.options.momentum().value_or(0.1);
    const double values = count.item<double>();
    norm.running_mean.mul_(1 - momentum).add_(mean.detach(), momentum);
    norm.running_var.mul_(1 - momentum)
        .add_(variance.detach() * (values / std::max(1.0, values - 1)), momentum);
    norm.num_batches_tracked.add_(1);
  }
  return y;
}

void SumGradientsAcrossRanks(torch::nn::Module& module, WorkSharing& sharing) {
  std::vector<torch::Tensor> gradients;
  for (auto& parameter : module.parameters()) {
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
    gradients.push_back(parameter.grad().reshape({-1}));
  }
  torch::Tensor flat = torch::cat(gradients).contiguous();
  SumInPlace(flat, sharing);
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) {
    const int64_t size = parameter.numel();
    parameter.mutable_grad().copy_(flat.slice(0, offset, offset + size).view_as(parameter));
    offset += size;
  }
}

std::vector<double> SumAcrossRanks(const std::vector<double>& values, WorkSharing& sharing) {
  std::vector<float> buffer(values.begin(), values.end());
  sharing.SumAcrossRanks(buffer.data(), static_cast<int64_t>(buffer.size()));
  return {buffer.begin(), buffer.end()};
}

}  // namespace sealion
