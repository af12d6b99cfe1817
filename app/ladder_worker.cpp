#include "ladder_worker.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "throughput_model.h"

namespace fs {
namespace {

using Clock = std::chrono::steady_clock;

bool SameNumerics(const NumericPolicy& a, const NumericPolicy& b) {
  return a.precision == b.precision && a.softmax == b.softmax && a.beta == b.beta && a.eps == b.eps;
}

// Whether two requests ask for the same runs (the ceilings flag aside: the worker sets it).
bool SameRequest(const BenchRequest& a, const BenchRequest& b) {
  return a.kernels == b.kernels && a.dtypes == b.dtypes && a.shapes == b.shapes && a.precision_set == b.precision_set &&
         SameNumerics(a.numerics, b.numerics) && a.warmup == b.warmup && a.repeats == b.repeats && a.sweep == b.sweep;
}

// The same run: kernel, shape, format, numerics and tile.
bool SameRun(const BenchResult& a, const BenchResult& b) {
  return a.kernel == b.kernel && a.shape == b.shape && a.dtype == b.dtype && a.precision == b.precision &&
         a.softmax == b.softmax && a.tile == b.tile;
}

// Puts x in place of the result of the same run, or after the others.
void Merge(std::vector<BenchResult>* results, const BenchResult& x) {
  for (BenchResult& r : *results)
    if (SameRun(r, x)) {
      r = x;
      return;
    }
  results->push_back(x);
}

}  // namespace

const char* LadderPhaseName(LadderPhase p) {
  switch (p) {
    case LadderPhase::kStopped: return "stopped";
    case LadderPhase::kRunning: return "running";
    case LadderPhase::kWaiting: return "waiting for the next pass";
    case LadderPhase::kStopping: return "stopping";
    case LadderPhase::kFailed: return "failed";
  }
  return "stopped";
}

LadderWorker::LadderWorker(BenchRunner runner, std::chrono::milliseconds period)
    : runner_(std::move(runner)), period_(period) {}

LadderWorker::~LadderWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    wanted_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LadderWorker::Adopt(const BenchRequest& r) {
  ++generation_;
  state_.request = r;
  state_.report = BenchReport{};
  state_.passes = 0;
  state_.done = 0;
  state_.expected = 0;
  last_count_ = 0;
  next_start_ = Clock::now();
}

void LadderWorker::Run(const BenchRequest& r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool same = SameRequest(r, state_.request);
    if (same && wanted_) return;  // running it already (called every frame while the panel is shown)
    if (!same) Adopt(r);
    if (state_.phase == LadderPhase::kFailed) next_start_ = Clock::now();
    state_.error.clear();
    wanted_ = true;
    if (state_.phase == LadderPhase::kStopping) state_.phase = LadderPhase::kRunning;  // its pass goes on
    else if (state_.phase != LadderPhase::kRunning) state_.phase = LadderPhase::kWaiting;
    Changed();
    if (!thread_.joinable()) thread_ = std::thread(&LadderWorker::Loop, this);
  }
  wake_.notify_all();
}

void LadderWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = false;
    if (state_.phase == LadderPhase::kRunning) state_.phase = LadderPhase::kStopping;
    else if (state_.phase != LadderPhase::kFailed && state_.phase != LadderPhase::kStopping)
      state_.phase = LadderPhase::kStopped;
    Changed();
  }
  wake_.notify_all();
}

void LadderWorker::RunPassNow(const BenchRequest& r) {
  std::unique_lock<std::mutex> lock(mu_);
  if (thread_.joinable()) return;  // the thread runs the passes
  if (!SameRequest(r, state_.request)) Adopt(r);
  wanted_ = true;
  Pass(lock, generation_);
  wanted_ = false;
  if (state_.phase != LadderPhase::kFailed) state_.phase = LadderPhase::kStopped;
  Changed();
}

bool LadderWorker::Poll(uint64_t seen, LadderSnapshot* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_.version == seen) return false;
  *out = state_;
  return true;
}

LadderPhase LadderWorker::Phase() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.phase;
}

void LadderWorker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    if (!wanted_) {
      wake_.wait(lock, [this] { return quit_ || wanted_; });
    } else if (Clock::now() < next_start_) {
      wake_.wait_until(lock, next_start_);  // Run, Stop or the destructor wake it early
    } else {
      Pass(lock, generation_);
    }
  }
}

void LadderWorker::Pass(std::unique_lock<std::mutex>& lock, uint64_t generation) {
  BenchRequest req = state_.request;
  req.ceilings = !state_.ceilings_kept;
  const BenchCeilings kept = ceilings_;
  state_.phase = LadderPhase::kRunning;
  state_.done = 0;
  state_.expected = last_count_ > 0 ? last_count_ : ExpectedResults(req);
  state_.error.clear();
  Changed();
  const Clock::time_point started = Clock::now();
  // Whether this pass should go on: not stopped, not replaced by another request, not quitting.
  const auto wanted = [this, generation] { return !quit_ && wanted_ && generation == generation_; };
  std::vector<BenchResult> results;
  BenchReport report;
  std::string error;
  bool cancelled = false;  // the runner was told to stop: its results are not a whole pass
  lock.unlock();
  try {
    report = runner_(req, [&](const BenchResult& x) {
      std::lock_guard<std::mutex> hold(mu_);
      if (cancelled || !wanted()) {
        cancelled = true;
        return false;
      }
      BenchResult y = x;
      if (!req.ceilings) y.pct_of_gemm = PctOfGemm(y, kept);
      results.push_back(y);
      Merge(&state_.report.results, y);
      ++state_.done;
      Changed();
      return true;
    });
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "the bench stopped without saying why";
  }
  lock.lock();
  if (generation != generation_) {  // another request took over; its state is fresh
    state_.phase = wanted_ ? LadderPhase::kWaiting : LadderPhase::kStopped;
    Changed();
    return;
  }
  if (!error.empty()) {
    state_.phase = LadderPhase::kFailed;
    state_.error = error;
    wanted_ = false;
    Changed();
    return;
  }
  if (req.ceilings && (report.ceilings.gemm_bf16_tflops > 0 || report.ceilings.gemm_fp32_tflops > 0)) {
    ceilings_ = report.ceilings;
    state_.ceilings_kept = true;
  }
  // The device and time of this pass with the kept ceilings; its results when it ran to its
  // end, else the results so far (merged over the last pass's).
  const bool whole = !cancelled && wanted();
  std::vector<BenchResult> so_far = std::move(state_.report.results);
  state_.report = std::move(report);
  state_.report.ceilings = ceilings_;
  state_.report.results = whole ? std::move(results) : std::move(so_far);
  if (whole) {
    last_count_ = static_cast<int>(state_.report.results.size());
    ++state_.passes;
  }
  state_.phase = wanted_ ? LadderPhase::kWaiting : LadderPhase::kStopped;
  next_start_ = std::max(started + period_, Clock::now());
  Changed();
}

}  // namespace fs
