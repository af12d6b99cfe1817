// stb_image_write for the web page (the desktop links Debian's libstb instead).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb/stb_image_write.h"
