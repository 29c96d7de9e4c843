/* shim: the BPF target has no arch headers (little-endian host assumed) */
#include <linux/byteorder/little_endian.h>
