/* Preloaded into the ASan test run (.ci/sanitize): dlclose() does nothing.
 *
 * Mesa's GLX library unloads its driver when the window closes. What the driver still holds
 * at exit is then reported by LeakSanitizer as leaked from "<unknown module>", which no
 * suppression can name. Kept loaded, that memory stays reachable from the driver and is not
 * reported, while leaks in FlashScope's own code (never unloaded) still are. */
#include <dlfcn.h>

int dlclose(void* handle) {
  (void)handle;
  return 0;
}
