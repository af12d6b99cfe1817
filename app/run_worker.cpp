#include "run_worker.h"

#include <chrono>
#include <exception>
#include <utility>

#include "app_state.h"

namespace fs {

RunWorker::RunWorker() : thread_(&RunWorker::Loop, this) {}

RunWorker::~RunWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    for (Lane& lane : lanes_) {
      lane.waiting = nullptr;
      ++lane.generation;
    }
  }
  changed_.notify_all();
  thread_.join();
}

void RunWorker::Submit(RunLane lane, const std::string& what, RunJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Lane& l = lanes_[static_cast<int>(lane)];
    l.waiting = std::move(job);
    l.waiting_what = what;
    ++l.generation;  // the job under way, if any, is no longer wanted
  }
  changed_.notify_all();
}

bool RunWorker::Cancel(RunLane lane) {
  bool had = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Lane& l = lanes_[static_cast<int>(lane)];
    had = l.running || l.waiting;
    // A finished result not yet taken is dropped by the cancel too (TakeFinished): it counts.
    for (const Finished& f : finished_)
      had = had || (f.lane == static_cast<int>(lane) && f.generation == l.generation);
    l.waiting = nullptr;
    ++l.generation;
  }
  changed_.notify_all();
  return had;
}

RunProgressView RunWorker::Progress(RunLane lane) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Lane& l = lanes_[static_cast<int>(lane)];
  RunProgressView v;
  v.busy = l.running || l.waiting;
  v.what = l.running ? l.what : l.waiting_what;
  v.fraction = l.running ? l.fraction : 0.0;
  for (const Finished& f : finished_) v.unapplied |= f.lane == static_cast<int>(lane) && f.generation == l.generation;
  return v;
}

bool RunWorker::Busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Lane& l : lanes_)
    if (l.running || l.waiting) return true;
  return false;
}

std::vector<RunApply> RunWorker::TakeFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RunApply> out;
  for (Finished& f : finished_)
    if (f.generation == lanes_[f.lane].generation) out.push_back(std::move(f.apply));
  finished_.clear();
  return out;
}

bool RunWorker::WaitIdle(int timeout_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] {
    for (const Lane& l : lanes_)
      if (l.running || l.waiting) return false;
    return true;
  });
}

void RunWorker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [this] {
      if (quit_) return true;
      for (const Lane& l : lanes_)
        if (l.waiting) return true;
      return false;
    });
    if (quit_) return;
    // Show runs first: the other lanes' runs are of the trace they replace.
    Lane* lane = lanes_;
    while (!lane->waiting) ++lane;
    RunJob job = std::move(lane->waiting);
    lane->waiting = nullptr;
    lane->running = true;
    lane->what = std::move(lane->waiting_what);
    lane->fraction = 0.0;
    const uint64_t generation = lane->generation;
    RunOptions run;
    run.progress = [this, lane, generation](double fraction) {
      std::lock_guard<std::mutex> hold(mu_);
      if (quit_ || lane->generation != generation) return false;
      lane->fraction = fraction;
      return true;
    };
    lock.unlock();
    RunApply apply;
    try {
      apply = job(run);
    } catch (const RunCancelled&) {
      apply = nullptr;
    } catch (const std::exception& e) {
      const std::string text = std::string("Run failed: ") + e.what();
      apply = [text](AppState& s) { s.status = Status{text, true}; };
    }
    job = nullptr;  // what it holds goes with it, outside the lock
    lock.lock();
    lane->running = false;
    // A job replaced or cancelled while it finished is dropped as well: the latest request wins.
    if (apply && lane->generation == generation && !quit_)
      finished_.push_back(Finished{static_cast<int>(lane - lanes_), generation, std::move(apply)});
    changed_.notify_all();
  }
}

}  // namespace fs
