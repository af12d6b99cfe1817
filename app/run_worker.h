// Runs off the UI thread: the shown problem's run, the Compare panel's run of the other
// backend and the precision lab's run of the other softmax variant, each on the worker's
// thread with progress and cancel. The window asks the state
// (RequestProblem, UpdateComparison in app_state.h); the state hands the worker a job; the job
// runs with RunOptions whose progress callback reports the fraction done and says whether the
// job is still wanted; a finished job leaves a function that applies its result, which the UI
// thread calls at the start of a frame (TakeFinished). A job that is cancelled or replaced
// leaves nothing: what is on screen stays.
//
// Each lane holds at most one job under way and one waiting: a new job replaces the waiting one
// and cancels the one under way (the latest request wins). Show runs go first, then the lanes
// in their order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulate.h"

namespace fs {

struct AppState;

enum class RunLane { kShow = 0, kCompare = 1, kLab = 2 };
constexpr int kRunLaneCount = 3;

// What a finished job does to the state, on the UI thread.
using RunApply = std::function<void(AppState&)>;
// A job: runs with `run` (pass it to the backend: its progress callback reports and cancels)
// and returns how to apply its result. It throws RunCancelled when cancelled; any other
// exception it lets out is shown in the status line.
using RunJob = std::function<RunApply(const RunOptions& run)>;

// Runs `body` (a job's work); returns what it threw ("" when nothing), letting a cancelled run
// through to the worker.
template <typename Body>
std::string ErrorOf(Body body) {
  try {
    body();
  } catch (const RunCancelled&) {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

struct RunProgressView {
  bool busy = false;       // a job under way or waiting
  std::string what;        // what it runs, e.g. "N=4096 d=128 Br=128 Bc=128"
  double fraction = 0.0;   // of the job under way
  bool unapplied = false;  // a finished result not yet taken (TakeFinished): what is shown is about to change
};

class RunWorker {
 public:
  RunWorker();
  ~RunWorker();  // cancels every job and joins the thread
  RunWorker(const RunWorker&) = delete;
  RunWorker& operator=(const RunWorker&) = delete;

  // Queues `job` in `lane`, replacing the lane's waiting job and cancelling its job under way.
  void Submit(RunLane lane, const std::string& what, RunJob job);
  // Cancels the lane's job under way and drops its waiting one and its finished result not yet
  // taken; returns whether there was any of them.
  bool Cancel(RunLane lane);
  RunProgressView Progress(RunLane lane) const;
  bool Busy() const;  // any lane
  // The results finished since the last call, in the order they finished; a result whose lane
  // had a newer job or a cancel since is dropped.
  std::vector<RunApply> TakeFinished();
  // Blocks until no job is under way or waiting (or `timeout_ms` passes); returns whether idle.
  bool WaitIdle(int timeout_ms) const;

 private:
  struct Lane {
    RunJob waiting;             // empty: none
    std::string waiting_what;
    bool running = false;
    std::string what;
    double fraction = 0.0;
    uint64_t generation = 0;    // grows with every Submit and Cancel: an older job is unwanted
  };
  struct Finished {
    int lane;
    uint64_t generation;  // of its lane when it was submitted
    RunApply apply;
  };
  void Loop();

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  Lane lanes_[kRunLaneCount];
  std::vector<Finished> finished_;
  bool quit_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace fs
