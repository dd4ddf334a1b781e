#pragma once
// Bounds of the µNAS search space (paper Table 1). Every other file reads them from here.

namespace unas::arch::bounds {

inline constexpr int kMinConvBlocks = 1;
inline constexpr int kMaxConvBlocks = 10;
inline constexpr int kMinLayersPerBlock = 1;
inline constexpr int kMaxLayersPerBlock = 3;
inline constexpr int kMinKernel = 3;  // full and depthwise convolutions; 1x1 is fixed at 1
inline constexpr int kMaxKernel = 7;
inline constexpr int kKernelStep = 2;
inline constexpr int kMinFilters = 1;
inline constexpr int kMaxFilters = 128;
inline constexpr int kMinPoolSize = 2;
inline constexpr int kMaxPoolSize = 6;
inline constexpr int kPoolSizeStep = 2;
inline constexpr int kMinDenseBlocks = 1;
inline constexpr int kMaxDenseBlocks = 3;
inline constexpr int kMinUnits = 10;
inline constexpr int kMaxUnits = 256;

// Channel and unit morphisms change the value by one of these amounts.
inline constexpr int kWidthSteps[] = {-5, -3, -1, 1, 3, 5};

// Probabilities the authors' random generator uses where a choice is not uniform.
inline constexpr double kReluProbability = 0.9;
inline constexpr double kPrepoolProbability = 0.25;
inline constexpr double kPoolingProbability = 0.9;

// The pre-pooling in front of a layer is always 2x2 max pooling.
inline constexpr int kPrepoolSize = 2;

}  // namespace unas::arch::bounds
