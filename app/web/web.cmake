# The web page (included by CMakeLists.txt when configured with emcmake): flashscope.html, .js,
# .wasm and .data from the same kernels/, scenarios/, viz/ and app/ sources as the desktop app,
# with the CPU emulation as the backend (kernels/cuda/cuda_none.cpp) on the browser's threads
# (WebAssembly threads over Web Workers; they need a cross-origin isolated page, which
# app/web/serve.py and, on a static host, app/web/isolate_sw.js provide). Dear ImGui
# is built from its sources at 1.86 (FS_IMGUI_SOURCE_DIR; app/web/build.sh fetches Debian's
# source package); nlohmann/json and stb_image_write are the host's headers.
set(FS_IMGUI_SOURCE_DIR "" CACHE PATH "Dear ImGui 1.86's source tree (imgui.cpp, backends/, misc/)")
if(NOT EXISTS "${FS_IMGUI_SOURCE_DIR}/imgui.cpp")
  message(FATAL_ERROR "the web page needs Dear ImGui's sources: -DFS_IMGUI_SOURCE_DIR=DIR with imgui.cpp "
                      "(app/web/build.sh fetches them); got '${FS_IMGUI_SOURCE_DIR}'")
endif()

# Header-only libraries of the host, seen through links so that the rest of /usr/include (the
# host's C library) stays out of the WebAssembly build.
set(FS_WEB_INCLUDE ${CMAKE_BINARY_DIR}/host_headers)
file(MAKE_DIRECTORY ${FS_WEB_INCLUDE})
foreach(dir nlohmann stb)
  if(NOT EXISTS ${FS_WEB_INCLUDE}/${dir})
    file(CREATE_LINK /usr/include/${dir} ${FS_WEB_INCLUDE}/${dir} SYMBOLIC)
  endif()
endforeach()

set(FS_STRICT_FP -ffp-contract=off -fno-fast-math)
set(FS_WARNINGS -Wall -Wextra)
# Threads: the runs go off the page's thread through the desktop's RunWorker (progress and
# cancel, the page keeps drawing) and the emulation spreads a run's Q blocks over the cores
# (ParallelFor; on the page's own thread it runs them itself). The pool holds a worker for every
# thread the page can ask for at once (the run worker's, its helpers up to the core count, the
# throughput ladder's), loaded before the page starts, so that no join waits for a worker still
# loading.
add_compile_options(-pthread)
add_link_options(-pthread)
# The app reports every refusal through exceptions: they must be caught in the page too.
add_compile_options(-fexceptions)
add_link_options(-fexceptions)

add_library(fs_kernels STATIC ${FS_KERNEL_SOURCES} kernels/cuda/cuda_none.cpp)
target_include_directories(fs_kernels PUBLIC ${CMAKE_SOURCE_DIR}/kernels ${FS_WEB_INCLUDE} ${FS_WEB_INCLUDE}/stb)
target_compile_options(fs_kernels PRIVATE ${FS_STRICT_FP} ${FS_WARNINGS})

add_library(fs_imgui STATIC
  ${FS_IMGUI_SOURCE_DIR}/imgui.cpp
  ${FS_IMGUI_SOURCE_DIR}/imgui_draw.cpp
  ${FS_IMGUI_SOURCE_DIR}/imgui_tables.cpp
  ${FS_IMGUI_SOURCE_DIR}/imgui_widgets.cpp
  ${FS_IMGUI_SOURCE_DIR}/misc/cpp/imgui_stdlib.cpp
  ${FS_IMGUI_SOURCE_DIR}/backends/imgui_impl_glfw.cpp
  ${FS_IMGUI_SOURCE_DIR}/backends/imgui_impl_opengl3.cpp)
target_include_directories(fs_imgui PUBLIC ${FS_IMGUI_SOURCE_DIR} ${FS_IMGUI_SOURCE_DIR}/backends
                                           ${FS_IMGUI_SOURCE_DIR}/misc/cpp)

add_library(fs_viz STATIC ${FS_VIZ_SOURCES})
target_include_directories(fs_viz PUBLIC ${CMAKE_SOURCE_DIR}/viz)
target_compile_options(fs_viz PRIVATE ${FS_WARNINGS})
target_link_libraries(fs_viz PUBLIC fs_imgui)

add_library(fs_scenarios STATIC scenarios/lesson.cpp scenarios/beat_fields.cpp)
target_include_directories(fs_scenarios PUBLIC ${CMAKE_SOURCE_DIR}/scenarios)
target_compile_options(fs_scenarios PRIVATE ${FS_WARNINGS})
target_link_libraries(fs_scenarios PUBLIC fs_kernels)
target_compile_definitions(fs_scenarios PUBLIC FS_LESSON_DIR="/lessons")

add_executable(flashscope ${FS_APP_STATE_SOURCES} app/commands.cpp app/throughput_model.cpp app/ladder_worker.cpp
               app/web/web_main.cpp app/web/web_page.cpp app/web/url_query.cpp app/web/stb_write.c)
target_include_directories(flashscope PRIVATE ${CMAKE_SOURCE_DIR}/app ${CMAKE_SOURCE_DIR}/app/web)
target_compile_options(flashscope PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${FS_WARNINGS}>)
target_compile_definitions(flashscope PRIVATE FS_HAVE_GUI=1 FS_FONT_PATH="/fonts/DejaVuSans.ttf")
target_link_libraries(flashscope PRIVATE fs_viz fs_scenarios fs_kernels)
set(FS_WEB_FONT /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)
target_link_options(flashscope PRIVATE
  -sUSE_GLFW=3 -sUSE_WEBGL2=1 -sMIN_WEBGL_VERSION=2 -sMAX_WEBGL_VERSION=2 -sFULL_ES3=1
  "-sPTHREAD_POOL_SIZE=Math.min(navigator.hardwareConcurrency||1,16)+2"
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sEXPORTED_RUNTIME_METHODS=ccall -sMINIFY_HTML=0 -Wno-pthreads-mem-growth -sDISABLE_EXCEPTION_CATCHING=0
  "SHELL:--shell-file ${CMAKE_SOURCE_DIR}/app/web/shell.html"
  "SHELL:--preload-file ${CMAKE_SOURCE_DIR}/scenarios/lessons@/lessons"
  "SHELL:--preload-file ${FS_WEB_FONT}@/fonts/DejaVuSans.ttf")
set_target_properties(flashscope PROPERTIES SUFFIX ".html" LINK_DEPENDS ${CMAKE_SOURCE_DIR}/app/web/shell.html)
configure_file(${CMAKE_SOURCE_DIR}/app/web/isolate_sw.js ${CMAKE_BINARY_DIR}/isolate_sw.js COPYONLY)
