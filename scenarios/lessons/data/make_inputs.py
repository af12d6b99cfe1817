# Writes the .npy inputs of the precision lessons (float32, C order):
#   zero_row_{q,k,v}.npy        N=64, d=16: query row 0 is all zeros (beta_fix.json, r_m = 0)
#   worked_example_{q,k,v}.npy  N=32, d=16: the paper's worked example of biased rounding
#                               (biased_rounding.json): with scale 1/4, every query scores
#                               14 at keys 0 and 1 (V[:, 0] = -2.40625, -2.296875), 6.9375 at
#                               key 2 (V[2, 0] = -1.0078125) and 0 elsewhere (V[:, 0] = 0), so
#                               P-bar V of feature 0 is -2.40625 - 2.296875 - 1.0078125 e^-7.0625.
# Run it in this folder: python3 make_inputs.py
import random, struct


def save(path, rows):
    n, d = len(rows), len(rows[0])
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'  # data 64-byte aligned
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1'))
        for r in rows:
            f.write(struct.pack('<%df' % d, *r))


rng = random.Random(2025)
n, d = 64, 16
q = [[0.0] * d] + [[rng.gauss(0, 1) for _ in range(d)] for _ in range(n - 1)]
k = [[rng.gauss(0, 1) for _ in range(d)] for _ in range(n)]
v = [[rng.gauss(0, 1) for _ in range(d)] for _ in range(n)]
save('zero_row_q.npy', q)
save('zero_row_k.npy', k)
save('zero_row_v.npy', v)

n, d = 32, 16
unit = [1.0] + [0.0] * (d - 1)
q = [unit[:] for _ in range(n)]
k = [[0.0] * d for _ in range(n)]
k[0][0] = k[1][0] = 56.0   # 56 / 4 = 14
k[2][0] = 27.75            # 27.75 / 4 = 6.9375
v = [[round(rng.gauss(0, 1), 3) for _ in range(d)] for _ in range(n)]
for r in range(n):
    v[r][0] = 0.0
v[0][0], v[1][0], v[2][0] = -2.40625, -2.296875, -1.0078125
save('worked_example_q.npy', q)
save('worked_example_k.npy', k)
save('worked_example_v.npy', v)
