#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <vector>

#ifndef FS_NO_THREADS
#include <thread>
#endif
#if defined(__EMSCRIPTEN__) && !defined(FS_NO_THREADS)
#include <emscripten/threading.h>
#endif

namespace fs {

int DefaultThreads() {
#ifdef FS_NO_THREADS
  return 1;
#else
  const unsigned hw = std::thread::hardware_concurrency();  // 0 when unknown
  return std::clamp(static_cast<int>(hw), 1, kMaxThreads);
#endif
}

void ParallelFor(int count, int threads, const std::function<void(int)>& fn) {
  if (threads <= 0) threads = DefaultThreads();
#ifdef FS_NO_THREADS
  threads = 1;
#elif defined(__EMSCRIPTEN__)
  // A web page's own thread must not wait on a join (it would stop drawing and, with no worker
  // free, never resume): it takes every item itself; runs on the page's workers spread out.
  if (emscripten_is_main_browser_thread()) threads = 1;
#endif
  threads = std::min(threads, count);
  if (threads <= 1) {
    for (int i = 0; i < count; ++i) fn(i);
    return;
  }
#ifndef FS_NO_THREADS
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mu;
  const auto work = [&] {
    for (int i = next++; i < count && !failed; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (int t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones started (and this one) take every item
    }
  }
  work();
  for (std::thread& h : helpers) h.join();
  if (first_error) std::rethrow_exception(first_error);
#endif
}

}  // namespace fs
