#include "sealion/nn/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

namespace sealion {
namespace {

constexpr size_t kSmallestCached = size_t{256} << 10;
constexpr size_t kAlignment = 64;  // as LibTorch's own allocator (c10::gAlignment)

// The deleter gets the data pointer alone (LibTorch's raw_allocate needs it so), so the sizes of
// the large blocks handed out are kept by pointer.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    const size_t size = (std::max<size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
    void* data = nullptr;
    if (size >= kSmallestCached) {
      std::lock_guard<std::mutex> lock(mutex_);
      // The smallest cached block that holds `size`, if it is not much larger.
      const auto found = free_.lower_bound(size);
      if (found != free_.end() && found->first / 5 * 4 <= size) {
        data = found->second;
        cached_bytes_ -= found->first;
        live_.emplace(data, found->first);
        free_.erase(found);
        ++reused_;
      }
    }
    if (data == nullptr) {
      data = std::aligned_alloc(kAlignment, size);
      if (data == nullptr) throw std::bad_alloc();
      if (size >= kSmallestCached) {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.emplace(data, size);
        ++fresh_;
      }
    }
    return {data, data, &Release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Release; }

  CpuAllocatorStatistics Statistics() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cached_bytes_, reused_, fresh_};
  }

 private:
  static void Release(void* data);
  void Keep(void* data) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto live = live_.find(data);
      if (live != live_.end()) {
        const size_t size = live->second;
        live_.erase(live);
        if (cached_bytes_ + size <= kCachedBytesLimit) {
          cached_bytes_ += size;
          free_.emplace(size, data);
          return;
        }
      }
    }
    std::free(data);  // a small block, or one the cache has no room for
  }

  mutable std::mutex mutex_;
  mutable std::unordered_map<void*, size_t> live_;  // large blocks handed out, by pointer
  mutable std::multimap<size_t, void*> free_;       // large blocks kept, by size
  mutable size_t cached_bytes_ = 0, reused_ = 0, fresh_ = 0;
};

// Never destroyed: tensors may be freed during static destruction.
CachingCpuAllocator& TheAllocator() {
  static auto* allocator = new CachingCpuAllocator();
  return *allocator;
}

void CachingCpuAllocator::Release(void* data) { TheAllocator().Keep(data); }

}  // namespace

void InstallCachingCpuAllocator() {
#if defined(__SANITIZE_ADDRESS__)
  return;  // AddressSanitizer must see every block freed, to catch a use after free
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return;
#endif
#endif
  // SEALION_CACHING_ALLOCATOR=0 keeps LibTorch's own (benchmarks compare the two).
  if (const char* setting = std::getenv("SEALION_CACHING_ALLOCATOR");
      setting != nullptr && std::string(setting) == "0")
    return;
  static std::once_flag once;
  // Priority above the default allocator's (0), so that it stays in place.
  std::call_once(once, [] { c10::SetCPUAllocator(&TheAllocator(), 1); });
}

CpuAllocatorStatistics CachingCpuAllocatorStatistics() { return TheAllocator().Statistics(); }

}  // namespace sealion
