#ifndef EVIDENT_CBLAS_SHIM_H
#define EVIDENT_CBLAS_SHIM_H
#include <cblas.h>
#endif
