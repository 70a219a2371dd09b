#pragma once
// Data-parallel training over the processes of an MPI job (distrib/work_sharing.h): each
// process computes its share of every global batch; BatchNorm statistics and gradients are
// summed over the processes, so that N processes train the model one process would with the
// same global batch (equal up to the order of floating-point sums).

#include <torch/torch.h>

#include "sealion/distrib/work_sharing.h"

namespace sealion {

// The element-wise sum of `values` over all processes, differentiable: the gradient of each
// process's input is the sum of the gradients of every process's output.
torch::Tensor SumAcrossRanksWithGradient(const torch::Tensor& values, WorkSharing& sharing);

// BatchNorm in training mode with the statistics of the whole global batch (synchronised
// BatchNorm): sums and sums of squares per channel are summed over the processes. Updates the
// running statistics as torch::nn::BatchNorm2d would.
torch::Tensor SynchronisedBatchNorm(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& norm,
                                    WorkSharing& sharing);

// Sums every parameter's gradient over the processes (one message for all of them).
void SumGradientsAcrossRanks(torch::nn::Module& module, WorkSharing& sharing);

// Sums a few numbers over the processes (loss sums, normalisers), in double precision's range
// but float's precision.
std::vector<double> SumAcrossRanks(const std::vector<double>& values, WorkSharing& sharing);

}  // namespace sealion
