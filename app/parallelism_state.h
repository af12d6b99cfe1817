// The parallelism panel's state: the GPU pictured (one of kGpuSpecs, or this device as the CUDA
// runtime describes it), the batch x heads of the launch and the wave shown; and what was
// computed for the problem on screen (kernels/parallelism.h), recomputed by UpdateParallelism
// before a frame while the panel is shown and something it depends on changed.
#pragma once

#include <optional>
#include <string>

#include "parallelism.h"
#include "problem.h"

namespace fs {

struct AppState;

// One kernel's launch on the pictured GPU.
struct LaunchPicture {
  KernelUse use;
  GridPlan plan;
  SmLoad load;
  int api_blocks_per_sm = -1;  // the CUDA occupancy API's answer on this device; -1: not asked
};

struct ParallelismView {
  int gpu = 0;             // index into kGpuSpecs; -1: this device
  int bh = 1;              // batch x heads
  int wave = 0;            // the wave the SM pictures show, from 0
  bool device_tried = false;  // this device was asked for (once the CUDA backend is in use)

  // Computed: for which problem, GPU and heads, and the result.
  bool computed = false;
  Problem of;
  int of_gpu = -2;
  int of_bh = 0;
  GpuSpec spec;            // the pictured GPU
  LaunchPicture fa2, fa1;
  bool device_asked = false;
  Problem device_of;       // the problem whose shape (d, Br, Bc) this device was asked about
  std::optional<DeviceOccupancy> device_fa2, device_fa1;  // this device's answers
  std::string device_error;  // why this device could not be asked, when it was tried
  std::string error;         // why nothing could be computed
};

// The GPU list's entry: kGpuSpecs[gpu].name, or "This GPU: <name>".
std::string PictureGpuName(const ParallelismView& v);
// Recomputes what the panel shows when the problem, GPU or heads changed.
void UpdateParallelism(AppState& s);

}  // namespace fs
