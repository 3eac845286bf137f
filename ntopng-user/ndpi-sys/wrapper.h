#include <ndpi/ndpi_api.h>
