// The CPU twin's speed: one problem run on one thread and on every thread (DefaultThreads), traced
// and untraced, the median of a few runs each, and whether the threads gave the same bits.
//
//   build-cpu/emulate_speed [--n 4096] [--d 128] [--br 128] [--bc 128] [--causal]
//                           [--precision fp32] [--runs 3] [--threads T]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "emulate.h"
#include "parallel.h"
#include "trace.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

int Usage() {
  std::fprintf(stderr, "usage: emulate_speed [--n N] [--d D] [--br BR] [--bc BC] [--causal] [--precision PRESET] "
                       "[--runs R] [--threads T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fs::Problem p;
  p.n = 4096;
  p.d = 128;
  p.br = p.bc = 128;
  int runs = 3, threads = fs::DefaultThreads();
  for (int a = 1; a < argc; ++a) {
    const std::string flag = argv[a];
    if (flag == "--causal") {
      p.causal = true;
      continue;
    }
    if (a + 1 >= argc) return Usage();
    const char* value = argv[++a];
    if (flag == "--n") p.n = std::atoi(value);
    else if (flag == "--d") p.d = std::atoi(value);
    else if (flag == "--br") p.br = std::atoi(value);
    else if (flag == "--bc") p.bc = std::atoi(value);
    else if (flag == "--runs") runs = std::max(1, std::atoi(value));
    else if (flag == "--threads") threads = std::max(1, std::atoi(value));
    else if (flag == "--precision") {
      if (!fs::ParsePrecisionPreset(value, &p.precision)) return Usage();
    } else return Usage();
  }
  try {
    fs::Validate(p);
    const fs::Inputs in = fs::MakeInputs(p);
    const bool traced = fs::TraceBytes(p) <= fs::kTraceBudgetBytes;
    std::printf("%s, %d steps, %s; %d threads against 1, median of %d runs\n", fs::Describe(p).c_str(),
                fs::StepOffsets(p).back(),
                traced ? "traced and untraced" : "untraced only (the whole trace is over the budget)", threads, runs);
    for (const bool trace : {true, false}) {
      if (trace && !traced) continue;
      std::vector<float> o[2], lse[2], data[2];
      double median[2] = {}, cpu[2] = {};
      for (int k = 0; k < 2; ++k) {
        fs::RunOptions opt;
        opt.threads = k == 0 ? 1 : threads;
        std::vector<double> s, c;
        for (int r = 0; r < runs; ++r) {
          const std::clock_t c0 = std::clock();
          const auto t0 = Clock::now();
          if (trace) {
            fs::Trace t = fs::EmulateTraced(p, in, opt);
            s.push_back(Seconds(t0));
            c.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
            o[k] = std::move(t.o);
            lse[k] = std::move(t.lse);
            data[k] = std::move(t.data);
          } else {
            fs::Output out = fs::Emulate(p, in, opt);
            s.push_back(Seconds(t0));
            c.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
            o[k] = std::move(out.o);
            lse[k] = std::move(out.lse);
          }
        }
        median[k] = Median(s);
        cpu[k] = Median(c);
      }
      const bool same = SameBits(o[0], o[1]) && SameBits(lse[0], lse[1]) && SameBits(data[0], data[1]);
      // CPU time beside wall time: on a machine shared with other work, the one-thread run's CPU
      // time is its cost, and the threads' wall time depends on what else runs.
      std::printf("%-9s 1 thread %.3f s (CPU %.3f s), %d threads %.3f s (CPU %.3f s): %.2fx; same bits: %s\n",
                  trace ? "traced" : "untraced", median[0], cpu[0], threads, median[1], cpu[1], median[0] / median[1],
                  same ? "yes" : "NO");
      if (!same) return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "emulate_speed: %s\n", e.what());
    return 1;
  }
  return 0;
}
