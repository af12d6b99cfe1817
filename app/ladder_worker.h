// The live ladder: passes of the bench (RunBench, or any function of its signature: the
// runner is injected) repeated on a thread of its own about once a second, with progress and
// cancel. The UI thread copies what is new (Poll) under the worker's mutex; nothing it draws
// waits for a pass. The GEMM and copy ceilings are measured by the first pass and kept: later
// passes skip them and their results' pct_of_gemm is computed against the kept ones.
//
// Without a thread (RunPassNow), one pass runs on the caller's thread: for the headless
// capture, and for builds that have no threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "bench.h"

namespace fs {

using BenchRunner = std::function<BenchReport(const BenchRequest&, const BenchProgress&)>;

enum class LadderPhase {
  kStopped,   // no pass under way and none due
  kRunning,   // a pass under way
  kWaiting,   // between passes: the next starts about a period after the last one started
  kStopping,  // stop asked for: the pass under way ends at its next result
  kFailed,    // the runner threw (error says why); no more passes until Run
};
const char* LadderPhaseName(LadderPhase p);

struct LadderSnapshot {
  LadderPhase phase = LadderPhase::kStopped;
  BenchRequest request;        // the request these results belong to
  BenchReport report;          // the last finished pass, each result replaced by the pass under
                               // way's as it arrives; device, time and ceilings of the last pass
  int passes = 0;              // finished passes of this request
  int done = 0, expected = 0;  // results of the pass under way so far, and how many it will give
  bool ceilings_kept = false;  // the ceilings were measured (by the first pass that returned)
  std::string error;           // kFailed: what the runner threw
  uint64_t version = 0;        // grows with every change of the above
};

class LadderWorker {
 public:
  explicit LadderWorker(BenchRunner runner, std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  ~LadderWorker();  // cancels the pass under way and joins the thread
  LadderWorker(const LadderWorker&) = delete;
  LadderWorker& operator=(const LadderWorker&) = delete;

  // Runs passes of r on the worker's thread (started on first use) until Stop. Another
  // request than the one running cancels the pass under way and drops its results; the same
  // one changes nothing while it runs, and starts it again after Stop or a failure.
  void Run(const BenchRequest& r);
  // Cancels the pass under way (the runner sees false from its progress callback); no more
  // passes until Run.
  void Stop();
  // One pass of r on the caller's thread, as the worker would run it (the ceilings measured
  // when not yet kept); with no thread of the worker running.
  void RunPassNow(const BenchRequest& r);

  // Copies the state into *out when its version is not `seen`; returns whether it did.
  bool Poll(uint64_t seen, LadderSnapshot* out) const;
  LadderPhase Phase() const;

 private:
  void Loop();
  // A pass of request_ under generation `generation`; called and returns with mu_ held.
  void Pass(std::unique_lock<std::mutex>& lock, uint64_t generation);
  void Changed() { ++state_.version; }
  void Adopt(const BenchRequest& r);

  const BenchRunner runner_;
  const std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
  // Guarded by mu_:
  LadderSnapshot state_;
  bool wanted_ = false;         // passes wanted (Run without Stop since)
  bool quit_ = false;
  uint64_t generation_ = 0;     // of the request: a pass of an older one is cancelled
  int last_count_ = 0;          // results of the last finished pass of this request
  BenchCeilings ceilings_;      // kept from the first pass
  std::chrono::steady_clock::time_point next_start_;
};

}  // namespace fs
