#pragma once
// A caching allocator for LibTorch's CPU tensors. LibTorch's default allocator hands every large
// tensor to glibc, which maps it fresh from the kernel and unmaps it when it is freed (blocks
// above 32 MB always): the point counter's activations, tens of MB a layer, were faulted in and
// zeroed page by page for every tile, and `perf` put about a quarter of counting time in the
// kernel's page faults and unmaps. This keeps freed blocks of 256 KB and more and hands them
// out again for a request of at most their size and at least 4/5 of it (a photo's second,
// shorter strip reuses the first's blocks), up to kCachedBytesLimit held; smaller blocks go to
// glibc as before. Installed once per process by ConfigureTorchThreads; not under AddressSanitizer,
// which must see every block freed.

#include <cstddef>

namespace sealion {

inline constexpr size_t kCachedBytesLimit = size_t{3} << 30;  // freed blocks kept at the most

void InstallCachingCpuAllocator();

// What the cache holds now, and how many large requests it served from the cache and from glibc.
struct CpuAllocatorStatistics {
  size_t cached_bytes = 0;
  size_t reused = 0, fresh = 0;
};
CpuAllocatorStatistics CachingCpuAllocatorStatistics();

}  // namespace sealion
