// Work split over threads, behind one seam: ParallelFor. The CPU twins run their independent
// blocks through it (Q blocks, as the GPU runs thread blocks); a build with FS_NO_THREADS
// defined (a browser build without threads) runs every item on the caller's thread, in order,
// and gets the same results, since the items share nothing that depends on who runs them.
#pragma once

#include <functional>

namespace fs {

constexpr int kMaxThreads = 16;  // more would only queue on the memory bus at these sizes

// Threads a run uses when it names none: the hardware's, capped at kMaxThreads; 1 without
// threads (FS_NO_THREADS) or when the hardware count is unknown.
int DefaultThreads();

// Calls fn(i) once for every i in [0, count), on up to `threads` threads (0: DefaultThreads();
// the caller's thread is one of them), and returns when every call has returned. Items are
// taken in increasing order. When a call throws, no further items start, and the first
// exception is rethrown on the caller's thread once the calls under way have returned.
void ParallelFor(int count, int threads, const std::function<void(int)>& fn);

}  // namespace fs
