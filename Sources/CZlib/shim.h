// zlib (zlib1g-dev), for reading compressed .npz calibration archives (numpy.savez_compressed).
#include <zlib.h>
