/* STRIDED_SLICE and SLICE as one strided copy. Index resolution follows TensorFlow Lite's
 * tensorflow/lite/kernels/strided_slice.cc (BuildStridedSliceParams) and
 * tensorflow/lite/kernels/internal/strided_slice_logic.h (StridedSliceStartForAxis /
 * StridedSliceEndForAxis), which TFLM's tensorflow/lite/micro/kernels/strided_slice.cc uses with
 * ellipsis, new axes and offset off; SLICE follows TFLM's slice.cc (reference_ops::Slice). */
#include <string.h>

#include "tessera/kernels.h"

static int32_t ts_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

void ts_slice(const ts_slice_params* p, const void* in, void* out) {
  /* Padded to five axes in front (one element each). */
  int32_t dims[TS_SLICE_MAX_DIMS], start[TS_SLICE_MAX_DIMS], stride[TS_SLICE_MAX_DIMS],
      count[TS_SLICE_MAX_DIMS];
  ptrdiff_t step[TS_SLICE_MAX_DIMS]; /* bytes between consecutive input indices of an axis */
  const int32_t pad = TS_SLICE_MAX_DIMS - p->rank;
  const size_t eb = (size_t)p->elem_bytes;
  const char* src = (const char*)in;
  char* dst = (char*)out;
  int32_t i, i0, i1, i2, i3;
  for (i = 0; i < TS_SLICE_MAX_DIMS; ++i) {
    dims[i] = i < pad ? 1 : p->in_dims[i - pad];
    start[i] = i < pad ? 0 : p->start[i - pad];
    stride[i] = i < pad ? 1 : p->stride[i - pad];
    count[i] = i < pad ? 1 : p->count[i - pad];
    if (count[i] <= 0) return;
  }
  step[4] = (ptrdiff_t)eb;
  for (i = 3; i >= 0; --i) step[i] = step[i + 1] * dims[i + 1];
  for (i0 = 0; i0 < count[0]; ++i0) {
    const char* a0 = src + (ptrdiff_t)(start[0] + i0 * stride[0]) * step[0];
    for (i1 = 0; i1 < count[1]; ++i1) {
      const char* a1 = a0 + (ptrdiff_t)(start[1] + i1 * stride[1]) * step[1];
      for (i2 = 0; i2 < count[2]; ++i2) {
        const char* a2 = a1 + (ptrdiff_t)(start[2] + i2 * stride[2]) * step[2];
        for (i3 = 0; i3 < count[3]; ++i3) {
          const char* a3 = a2 + (ptrdiff_t)(start[3] + i3 * stride[3]) * step[3] +
                           (ptrdiff_t)start[4] * step[4];
          if (stride[4] == 1) {
            const size_t n = (size_t)count[4] * eb;
            memmove(dst, a3, n);
            dst += n;
          } else {
            const ptrdiff_t s4 = (ptrdiff_t)stride[4] * step[4];
            int32_t i4;
            for (i4 = 0; i4 < count[4]; ++i4, a3 += s4, dst += eb) memmove(dst, a3, eb);
          }
        }
      }
    }
  }
}

/* Elements visited from `start` by `stride` before reaching `stop` (TFLite's loop condition). */
static int32_t ts_slice_count(int32_t start, int32_t stop, int32_t stride) {
  if (stride > 0) return stop > start ? (int32_t)(((int64_t)stop - start + stride - 1) / stride) : 0;
  return start > stop ? (int32_t)(((int64_t)start - stop - stride - 1) / -(int64_t)stride) : 0;
}

int ts_strided_slice_resolve(const ts_strided_slice_spec* s, int32_t in_rank, const int32_t* in_dims,
                             int32_t elem_bytes, ts_slice_params* p, int32_t* out_rank,
                             int32_t* out_dims) {
  int32_t begin_mask = 0, end_mask = 0, shrink_mask = 0;
  int32_t begin[TS_SLICE_MAX_DIMS], end[TS_SLICE_MAX_DIMS];
  int32_t num_add_axis = 0, effective, ell_mask = 0, new_mask = 0, ellipsis_start, expanded = 0;
  int32_t added_ellipsis = 0, added_axes = 0, i, n = 0;
  if (s->num < 0 || s->num > 31 || in_rank < 0 || in_rank > TS_SLICE_MAX_DIMS) return 0;
  for (i = 0; i < s->num; ++i)
    if (!(s->ellipsis_mask & (1 << i)) && (s->new_axis_mask & (1 << i))) ++num_add_axis;
  effective = in_rank + num_add_axis;
  if (effective > TS_SLICE_MAX_DIMS) return 0;
  /* Which effective axes the ellipsis covers and which are new axes. */
  ellipsis_start = effective;
  for (i = 0; i < effective;) {
    if (s->ellipsis_mask & (1 << i)) {
      int32_t stop = i + 1 + num_add_axis + in_rank - s->num;
      if (stop > effective) stop = effective;
      if (stop < i + 1) stop = i + 1;
      ellipsis_start = i;
      expanded = stop - i - 1;
      for (; i < stop; ++i) ell_mask |= 1 << i;
      continue;
    }
    if (i - expanded >= 0 && (s->new_axis_mask & (1 << (i - expanded)))) new_mask |= 1 << i;
    ++i;
  }
  p->rank = effective;
  p->elem_bytes = elem_bytes;
  for (i = 0; i < effective; ++i) {
    const int32_t bit = 1 << i;
    int32_t in_axis = i - added_axes;
    if (ell_mask & bit) {
      added_ellipsis = i - ellipsis_start > 0 ? i - ellipsis_start : 0;
      begin_mask |= bit;
      end_mask |= bit;
      begin[i] = end[i] = 0;
      p->stride[i] = 1;
    } else if (new_mask & bit) {
      begin[i] = 0;
      end[i] = 1;
      p->stride[i] = 1;
      p->in_dims[i] = 1;
      ++added_axes;
      in_axis = -1;
    } else if (i >= s->num + expanded) {
      begin[i] = end[i] = 0;
      p->stride[i] = 1;
      begin_mask |= bit;
      end_mask |= bit;
    } else {
      const int32_t orig = i - added_ellipsis;
      if (orig < 0 || orig >= s->num) return 0;
      begin[i] = s->begin[orig];
      end[i] = s->end[orig];
      p->stride[i] = s->strides[orig];
      if (s->begin_mask & (1 << orig)) begin_mask |= bit;
      if (s->end_mask & (1 << orig)) end_mask |= bit;
      if (s->shrink_axis_mask & (1 << orig)) shrink_mask |= bit;
    }
    if (in_axis >= 0) {
      if (in_axis >= in_rank) return 0;
      p->in_dims[i] = in_dims[in_axis];
    }
    if (p->stride[i] == 0) return 0;
  }
  /* Per axis: StridedSliceStartForAxis, then StridedSliceEndForAxis. */
  for (i = 0; i < effective; ++i) {
    const int32_t size = p->in_dims[i], stride = p->stride[i];
    int32_t b = begin[i], e;
    if (b < 0) b += size;
    b = stride > 0 ? ts_clamp(b, 0, size) : ts_clamp(b, -1, size - 1);
    if (begin_mask & (1 << i)) b = stride > 0 ? 0 : size - 1;
    if (shrink_mask & (1 << i)) {
      e = b >= size ? b : b + 1;
    } else {
      e = end[i];
      if (s->offset) e += b;
      if (e < 0) e += size;
      e = stride > 0 ? ts_clamp(e, 0, size) : ts_clamp(e, -1, size - 1);
      if (end_mask & (1 << i)) e = stride > 0 ? size : -1;
    }
    p->start[i] = b;
    p->count[i] = ts_slice_count(b, e, stride);
    if (shrink_mask & (1 << i)) {
      if (p->count[i] != 1) return 0;
    } else {
      out_dims[n++] = p->count[i];
    }
  }
  *out_rank = n;
  return 1;
}

int ts_slice_resolve(int32_t rank, const int32_t* in_dims, const int32_t* begin, const int32_t* size,
                     int32_t elem_bytes, ts_slice_params* p) {
  int32_t i;
  if (rank < 0 || rank > TS_SLICE_MAX_DIMS) return 0;
  p->rank = rank;
  p->elem_bytes = elem_bytes;
  for (i = 0; i < rank; ++i) {
    const int32_t n = size[i] == -1 ? in_dims[i] - begin[i] : size[i];
    if (begin[i] < 0 || n < 0 || begin[i] > in_dims[i] || n > in_dims[i] - begin[i]) return 0;
    p->in_dims[i] = in_dims[i];
    p->start[i] = begin[i];
    p->stride[i] = 1;
    p->count[i] = n;
  }
  return 1;
}
