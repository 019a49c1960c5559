/* TFLM's int16 Logistic and Tanh, one value (see kernels.h): shared by LOGISTIC, TANH and the
 * LSTM gates. */
#include <math.h>

#include "fixedpoint.h"
#include "spatial_util.h"
#include "unaligned.h"

/* sigmoid(i / 24) in 0.16 fixed point, the table of TFLM's int16 Logistic and Tanh
 * (tensorflow/lite/kernels/internal/common.h, sigmoid_table_uint16). */
static const uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

/* The scaled input of TFLM's int16 Logistic/Tanh: x * multiplier, rounded right shift. */
static int32_t scaled_input(int16_t x, int32_t multiplier, int32_t shift) {
  int32_t round;
  if (multiplier == 0) { /* power of two case */
    multiplier = 3 << shift;
    shift = 0;
  }
  round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  return ((int32_t)x * multiplier + round) >> shift;
}

int16_t ts_logistic_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  const int32_t v = scaled_input(x, input_multiplier, input_left_shift);
  const uint32_t mag = (uint32_t)(v < 0 ? -v : v);
  const uint32_t idx = mag >> 9; /* the table's step is 2^9 of the scaled input */
  uint32_t r;
  if (idx >= 255u) {
    r = (uint32_t)0x7FFF << 10;
  } else {
    const uint32_t lo = kSigmoidTable[idx], hi = kSigmoidTable[idx + 1];
    r = (lo << 9) + (mag & 0x1FFu) * (hi - lo);
  }
  r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return (int16_t)(r >> 10);
}

int16_t ts_tanh_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift) {
  const int32_t v = scaled_input(x, input_multiplier, input_left_shift);
  const uint32_t mag = (uint32_t)(v < 0 ? -v : v);
  const uint32_t idx = mag >> 8; /* tanh(x) = 2 sigmoid(2x) - 1: twice the table's resolution */
  int32_t r;
  if (idx >= 255u) {
    r = (int32_t)(0xFFFFu << 8);
  } else {
    const uint32_t lo = kSigmoidTable[idx], hi = kSigmoidTable[idx + 1];
    r = (int32_t)((lo << 8) + (mag & 0xFFu) * (hi - lo));
  }
  r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return (int16_t)(r >> 8);
}

/* CheckedLog2 of TFLM: log2(x) rounded, and whether x is within 1e-3 (in log2) of that power. */
static int checked_log2(float x, int* log2_rounded) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  *log2_rounded = (int)r;
  return fabsf(l - r) < 1e-3f;
}

int ts_sigmoid_s16_prepare(float input_scale, float output_scale, int tanh_pot_shift_one,
                           ts_logistic_params* p) {
  int in_log2 = 0, out_log2 = 0;
  int pot = checked_log2(input_scale, &in_log2);
  int32_t shift = (15 - 3) + in_log2;
  p->input_zero_point = 0;
  p->input_range_radius = 0;
  pot = pot && (shift == 0 || (tanh_pot_shift_one && shift == 1));
  if (pot) {
    p->input_multiplier = 0;
  } else {
    /* rescale the input to 1 / (3 * 4096) of a unit, the table's argument */
    double m = (double)input_scale * 4096.0 * 3.0;
    shift = 0;
    while (m <= 32767.0 / 2.0 && shift <= 30) {
      ++shift;
      m *= 2.0;
    }
    if (m > 32767.0) return 1; /* the kernel's product would leave int32 */
    p->input_multiplier = (int32_t)m;
  }
  p->input_left_shift = shift;
  if (!checked_log2(output_scale, &out_log2) || out_log2 != -15) return 2;
  return 0;
}

static void sigmoid_s16_window(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                               ts_window win, int tanh) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, 2 * channels);
      int8_t* dst = TS_PIXEL(out, y, x, 2 * channels);
      for (c = 0; c < channels; ++c) {
        const int16_t v = ts_load_s16(src, c);
        ts_store_s16(dst, c,
                     tanh ? ts_tanh_s16_value(v, p->input_multiplier, p->input_left_shift)
                          : ts_logistic_s16_value(v, p->input_multiplier, p->input_left_shift));
      }
    }
  }
}

void ts_logistic_s16(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  sigmoid_s16_window(p, in, out, channels, win, 0);
}

void ts_tanh_s16(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  sigmoid_s16_window(p, in, out, channels, win, 1);
}
