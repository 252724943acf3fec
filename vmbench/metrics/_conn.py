"""Numba kernel for the connectivity error: sum over a region of |phi_g - phi_p|.

For thresholds th_1..th_n, omega_i is the largest 4-connected component of {p >= th_i} & {g >= th_i}
(ties: the component whose first pixel comes first in row-major order, the label order of OpenCV,
scipy and skimage). A pixel's level l is th[depth], depth being the number of consecutive
thresholds, from the first, whose omega holds it (l = 1 if it stays in to the last; under
IndexNet's rule also if it was still in when the intersection first became empty).
phi = 1 - d [d >= 0.15] with d = alpha - l, in float32 as the references compute it.

All thresholds are done at once. k[y, x] = the number of thresholds the pixel passes in both
images, so {k >= i} is the intersection at threshold i. Three steps, on the calling thread (eval
runs frames in parallel threads instead):

1. runs: one sweep per row computes k and cuts the row into the runs of {k >= i} for every i,
   eight pixels at a time where k does not change;
2. components: runs of adjacent rows that overlap are joined with union-find, per threshold,
   and the largest component of each threshold is kept;
3. sums: per row, each pixel's depth from the kept runs, then |phi_g - phi_p| summed; for 8-bit
   alphas through a table, skipping the 8-pixel words in which the two images agree.

On fragmented content (noise: about one run per pixel per threshold) steps 1-2 are instead done
on pixels: one union-find pass in decreasing k builds every threshold's components at once
(`_depth_pixels`); a sampled run density picks the path, and both give the same bits.

Alphas are 8-bit (through the tables built by `conn_tables`) or float32.
"""

from __future__ import annotations

import numpy as np
from vmbench.jit import njit

__all__ = ["conn_error", "conn_tables", "N_THRESHOLDS"]

N_THRESHOLDS = 10  # th_1..th_10 = 0.1..1.0 in every reference


def conn_tables(thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables for 8-bit alphas v (alpha = float32(v) / 255, as the references read them).

    cuts[i - 1]: the smallest v whose alpha reaches threshold i (float64(alpha) >= th[i]); 256 if none.
    phi[j, v]: 1 - d [d >= 0.15] with d = alpha - float32(th[j]), in float32.
    """
    alpha = np.arange(256, dtype=np.float32) / np.float32(255)
    reaches = alpha.astype(np.float64)[:, None] >= thresholds[None, 1:]  # (256, n), monotone in v
    cuts = np.where(reaches.any(axis=0), reaches.argmax(axis=0), 256).astype(np.int16)
    d = alpha[None, :] - thresholds.astype(np.float32)[:, None]
    phi = np.float32(1) - np.where(d >= np.float32(0.15), d, np.float32(0))
    return cuts, phi.astype(np.float32)


@njit(cache=True, nogil=True, inline="always")
def _level(p, g, thresholds):
    """How many thresholds i >= 1 both float alphas reach (compared in float64, as the references)."""
    n = thresholds.shape[0] - 1
    m = min(np.float64(p), np.float64(g))
    c = int(m * n)
    c = min(max(c, 0), n)
    while c < n and m >= thresholds[c + 1]:
        c += 1
    while c > 0 and m < thresholds[c]:
        c -= 1
    return np.uint8(c)


@njit(cache=True, nogil=True, inline="always")
def _phi(alpha, th):
    """phi = 1 - d [d >= 0.15], d = alpha - th, in float32 (the float-alpha path; 8-bit alphas read
    the same values from `conn_tables`); returned as float64."""
    d = np.float32(alpha) - th
    return np.float64(np.float32(1.0) - (d if d >= np.float32(0.15) else np.float32(0.0)))


@njit(cache=True, nogil=True)
def _grow(arr, need):
    """`arr` with room for at least `need` items (doubling), its contents kept."""
    if need <= arr.shape[0]:
        return arr
    out = np.empty(max(need, 2 * arr.shape[0]), dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


@njit(cache=True, nogil=True)
def _scan_rows(pred, gt, use_lut, cuts, thresholds, top):
    """Step 1: the runs of {k >= i} of every row, grouped by row, then threshold, then x, for the
    thresholds i <= top (the runs of higher ones are not kept: see `conn_error`).

    8-bit alphas reach threshold i when v >= cuts[i - 1] (`conn_tables`); float alphas are compared
    with the thresholds. Returns (run_s, run_e, offs): the runs of threshold i in row y are the slots
    offs[y, i] .. offs[y, i + 1] (first and last column, inclusive).
    """
    h, w = pred.shape
    n = thresholds.shape[0] - 1
    run_s = np.empty(max(1024, 8 * h), dtype=np.int32)
    run_e = np.empty(run_s.shape[0], dtype=np.int32)
    offs = np.empty((h, n + 2), dtype=np.int64)
    words = (w + 8) // 8  # krow is read 8 bytes at a time; bytes from w on stay 0 (the row's end)
    krow = np.zeros(8 * words, dtype=np.uint8)
    k64 = krow.view(np.uint64)
    every_byte = np.uint64(0x0101010101010101)
    toggles = np.empty((n + 1, w + 2), dtype=np.int32)  # per threshold: where {k >= i} starts or ends
    count = np.zeros(n + 1, dtype=np.int64)
    total = 0
    for y in range(h):
        prow = pred[y]
        grow = gt[y]
        if use_lut:  # k = #{i : min(p, g) >= cut_i}: branch-free, so it vectorises
            for x in range(w):
                m = np.int16(min(prow[x], grow[x]))
                c = np.uint8(0)
                for i in range(10):  # a literal count, so the loop unrolls (the wrapper checks n)
                    c += np.uint8(m >= cuts[i])
                krow[x] = c
        else:
            for x in range(w):
                krow[x] = _level(prow[x], grow[x], thresholds)
        count[:] = 0
        prev = 0
        for word in range(words):
            if k64[word] == np.uint64(prev) * every_byte:  # eight pixels at the current level
                continue
            for x in range(8 * word, 8 * word + 8):
                cur = np.int64(krow[x])
                step = cur - prev
                if step > 1 or step < -1:  # every threshold between the two levels toggles here
                    for i in range(min(cur, prev) + 1, max(cur, prev) + 1):
                        toggles[i, count[i]] = x
                        count[i] += 1
                else:  # no change, or one threshold toggles: written without a branch
                    i = max(cur, prev)
                    toggles[i, count[i]] = x
                    count[i] += step != 0
                prev = cur
        in_row = count[: top + 1].sum() // 2
        run_s = _grow(run_s, total + in_row)
        run_e = _grow(run_e, total + in_row)
        for i in range(1, n + 1):
            offs[y, i] = total
            for c in range(0, count[i] if i <= top else 0, 2):
                run_s[total] = toggles[i, c]
                run_e[total] = toggles[i, c + 1] - 1
                total += 1
        offs[y, n + 1] = total
    return run_s, run_e, offs


@njit(cache=True, nogil=True, inline="always")
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True, nogil=True)
def _keep_largest(run_s, run_e, offs):
    """Step 2: in_omega[r] is True for the runs of the largest component of their threshold.

    Union-find joins the overlapping runs of adjacent rows, the root staying the run with the
    smallest slot, which is the component's first run in row-major order. Also returns the first
    threshold index whose intersection is empty (n + 1 if none).
    """
    h = offs.shape[0]
    n = offs.shape[1] - 2
    total = offs[h - 1, n + 1] if h else 0
    parent = np.arange(total).astype(np.int32)
    for y in range(1, h):
        for i in range(1, n + 1):
            a = offs[y - 1, i]
            a_end = offs[y - 1, i + 1]
            b = offs[y, i]
            b_end = offs[y, i + 1]
            while a < a_end and b < b_end:
                if run_s[a] <= run_e[b] and run_s[b] <= run_e[a]:
                    ra = _find(parent, a)
                    rb = _find(parent, b)
                    if ra < rb:
                        parent[rb] = ra
                    elif rb < ra:
                        parent[ra] = rb
                step_a = run_e[a] < run_e[b]  # advance the run that ends first, without a branch
                a += step_a
                b += 1 - step_a
    size = np.zeros(total, dtype=np.int64)
    for r in range(total):  # every run points straight at its root from here on
        root = _find(parent, r)
        size[root] += run_e[r] - run_s[r] + 1
    best = np.full(n + 1, -1, dtype=np.int64)
    for y in range(h):  # roots in row-major order, so on equal sizes the first one stays
        for i in range(1, n + 1):
            for r in range(offs[y, i], offs[y, i + 1]):
                if parent[r] == r and (best[i] < 0 or size[r] > size[best[i]]):
                    best[i] = r
    is_best = np.zeros(total, dtype=np.bool_)
    first_empty = n + 1
    for i in range(n, 0, -1):
        if best[i] < 0:
            first_empty = i
        else:
            is_best[best[i]] = True
    in_omega = np.empty(total, dtype=np.bool_)
    for r in range(total):
        in_omega[r] = is_best[parent[r]]
    return in_omega, first_empty


_TOP3 = np.uint64(0xE0E0E0E0E0E0E0E0)  # the three high bits of every byte: a byte >= 32


def _words(img: np.ndarray) -> np.ndarray:
    """A C-contiguous uint8 image's bytes read as 64-bit words (a last, partial word left out)."""
    flat = img.reshape(-1)
    return flat[: flat.shape[0] - flat.shape[0] % 8].view(np.uint64)


@njit(cache=True, nogil=True, inline="always")
def _add_pixels_u8(prow, grow, mask, use_mask, y, flat_phi, level_index, depth, acc, x0, x1):
    for x in range(x0, x1):
        base = level_index[depth[x]] * 256
        d = np.float64(flat_phi[base + np.intp(grow[x])]) - np.float64(flat_phi[base + np.intp(prow[x])])
        if use_mask and mask[y, x] == 0:
            d = 0.0
        acc[x] += abs(d)


@njit(cache=True, nogil=True, inline="always")
def _add_row_u8(pred, gt, y, mask, use_mask, flat_phi, level_index, depth, p64, g64, acc):
    """acc[x] += |phi_g - phi_p| along row y of 8-bit alphas. Pixels with p == g, or with both
    alphas below 32/255, add nothing, so the 8-pixel words made only of such pixels are skipped."""
    w = pred.shape[1]
    prow = pred[y]
    grow = gt[y]
    first = (y * w + 7) // 8  # the words that lie wholly inside the row
    last = (y * w + w) // 8
    if first >= last:
        _add_pixels_u8(prow, grow, mask, use_mask, y, flat_phi, level_index, depth, acc, 0, w)
        return
    _add_pixels_u8(prow, grow, mask, use_mask, y, flat_phi, level_index, depth, acc, 0, 8 * first - y * w)
    for word in range(first, last):
        # a pixel adds nothing when p == g, or when both alphas are below 0.15 (d = alpha - l < 0.15
        # for every level l >= 0, so phi = 1 in both): bytes < 32 (alpha < 0.126) in both images
        if p64[word] != g64[word] and (p64[word] | g64[word]) & _TOP3 != 0:
            x = 8 * word - y * w
            _add_pixels_u8(prow, grow, mask, use_mask, y, flat_phi, level_index, depth, acc, x, x + 8)
    _add_pixels_u8(prow, grow, mask, use_mask, y, flat_phi, level_index, depth, acc, 8 * last - y * w, w)


@njit(cache=True, nogil=True, inline="always")
def _add_row(pred, gt, y, mask, use_mask, use_lut, flat_phi, th32, level_index, depth, p64, g64, acc):
    """acc[x] += |phi_g - phi_p| along row y, `depth[x]` giving each pixel's level: the 8-bit table
    path or the float path. Both Conn paths (runs, pixels) end here."""
    if use_lut:
        _add_row_u8(pred, gt, y, mask, use_mask, flat_phi, level_index, depth, p64, g64, acc)
        return
    prow = pred[y]
    grow = gt[y]
    for x in range(pred.shape[1]):
        j = level_index[depth[x]]
        d = _phi(grow[x], th32[j]) - _phi(prow[x], th32[j])
        if use_mask and mask[y, x] == 0:
            d = 0.0
        acc[x] += abs(d)


@njit(cache=True, nogil=True)
def _sums(pred, gt, p64, g64, mask, use_mask, use_lut, phi, th32, run_s, run_e, offs, in_omega, level_index):
    """Step 3: sum of |phi_g - phi_p| with l = th[level_index[depth]]."""
    h, w = pred.shape
    n = offs.shape[1] - 2
    depth = np.zeros(w, dtype=np.uint8)
    acc = np.zeros(w)
    flat_phi = phi.ravel()
    for y in range(h):
        lo = w
        hi = -1
        for i in range(1, n + 1):  # a pixel's depth rises from i-1 to i when omega_i holds it
            below = i - 1
            for r in range(offs[y, i], offs[y, i + 1]):
                if in_omega[r]:
                    s = run_s[r]
                    e = run_e[r]
                    lo = min(lo, s)
                    hi = max(hi, e)
                    seg = depth[s : e + 1]  # a slice, and a loop over its own length, vectorises
                    for x in range(seg.shape[0]):
                        v = seg[x]
                        seg[x] = v + 1 if v == below else v
        _add_row(pred, gt, y, mask, use_mask, use_lut, flat_phi, th32, level_index, depth, p64, g64, acc)
        for x in range(lo, hi + 1):
            depth[x] = 0
    return acc.sum()


@njit(cache=True, nogil=True)
def _levels(pred, gt, use_lut, cuts, thresholds):
    """k for every pixel (flat, row-major): how many thresholds both alphas reach."""
    h, w = pred.shape
    k = np.empty(h * w, dtype=np.uint8)
    for y in range(h):
        prow = pred[y]
        grow = gt[y]
        krow = k[y * w : (y + 1) * w]
        if use_lut:
            for x in range(w):
                m = np.int16(min(prow[x], grow[x]))
                c = np.uint8(0)
                for i in range(10):
                    c += np.uint8(m >= cuts[i])
                krow[x] = c
        else:
            for x in range(w):
                krow[x] = _level(prow[x], grow[x], thresholds)
    return k


def _change_rate(pred, gt, use_lut, cuts, thresholds, every):
    """Threshold crossings per pixel along every `every`-th row: the run density that decides
    between the run path and the pixel path (a cheap sample in NumPy; both paths give the same
    result, so this only picks the faster one)."""
    m = np.minimum(pred[::every], gt[::every])
    if use_lut:  # k = the number of cuts at or below v
        k = np.searchsorted(cuts.astype(np.int64), np.arange(256), side="right")[m]
    else:  # k = #{i >= 1 : m >= th_i}, compared in float64
        k = np.searchsorted(thresholds[1:], m.astype(np.float64), side="right")
    return float(np.abs(np.diff(k.astype(np.int16), axis=1)).sum()) / max(m.size, 1)


@njit(cache=True, nogil=True, inline="always")
def _root(parent, i):
    """find with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def _depth_pixels(k, h, w, n):
    """Steps 1-2 on pixels, for fragmented mattes: every pixel's depth (uint8, flat) and the first
    threshold index whose intersection is empty (n + 1 if none).

    One union-find pass over the pixels in decreasing k (row-major within a level) builds the
    components of {k >= i} for every i at once: after the pixels of level i are added, the sets are
    exactly the components at threshold i, and a running (size, root) maximum gives omega_i. A
    set's root is its smallest pixel index, i.e. its first pixel in row-major order, which is the
    tie rule. Root links are recorded with their level, so the component of a pixel at threshold i
    is its ancestor over links made at levels >= i; a parent has a smaller index than its child,
    so one increasing sweep turns the roots' omega marks into every pixel's membership bits.
    """
    total = h * w
    parent = np.full(total, -1, dtype=np.int32)
    size = np.empty(total, dtype=np.int32)
    link_to = np.full(total, -1, dtype=np.int32)
    link_level = np.zeros(total, dtype=np.uint8)
    marks = np.zeros(total, dtype=np.uint16)  # bit i: the pixel is omega_i's root at threshold i
    count = np.zeros(n + 2, dtype=np.int64)  # the pixels of each level, in row-major order (counting sort)
    for p in range(total):
        count[k[p]] += 1
    start = np.zeros(n + 2, dtype=np.int64)
    for lv in range(n - 1, -1, -1):
        start[lv] = start[lv + 1] + count[lv + 1]
    order = np.empty(total, dtype=np.int32)
    fill = start.copy()
    for p in range(total):
        order[fill[k[p]]] = p
        fill[k[p]] += 1
    best_size = 0
    best = -1
    first_empty = n + 1
    for lv in range(n, 0, -1):
        for j in range(start[lv], start[lv] + count[lv]):  # increasing p: accesses move forward
            p = np.int64(order[j])
            parent[p] = p
            size[p] = 1
            rp = p  # the root of p's set, kept up to date across its four neighbours
            y = p // w
            x = p - y * w
            for t in range(4):
                if t == 0:
                    if y == 0:
                        continue
                    q = p - w
                elif t == 1:
                    if x == 0:
                        continue
                    q = p - 1
                elif t == 2:
                    if x == w - 1:
                        continue
                    q = p + 1
                else:
                    if y == h - 1:
                        continue
                    q = p + w
                if k[q] < lv or parent[q] < 0:
                    continue
                rq = _root(parent, q)
                if rq == rp:
                    continue
                a, b = (rp, rq) if rp < rq else (rq, rp)  # the smaller index stays the root
                parent[b] = a
                size[a] += size[b]
                link_to[b] = a
                link_level[b] = lv
                rp = a
            if size[rp] > best_size or (size[rp] == best_size and rp < best):
                best_size = size[rp]
                best = rp
        if best < 0:
            first_empty = lv
        else:
            marks[_root(parent, best)] |= np.uint16(1 << lv)
    member = marks  # a root keeps its own marks
    for p in range(total):  # increasing index: every parent before its children
        a = link_to[p]
        if a >= 0:
            low = np.uint16((1 << (np.int64(link_level[p]) + 1)) - 2)  # thresholds 1..level
            member[p] = (member[a] & low) | marks[p]
    run_of_ones = np.zeros(1 << n, dtype=np.uint8)  # consecutive bits from bit 1: the depth
    for bits in range(1 << n):
        d = 0
        while d < n and (bits >> d) & 1:
            d += 1
        run_of_ones[bits] = d
    depth = np.zeros(total, dtype=np.uint8)
    for p in range(total):
        if parent[p] >= 0:
            depth[p] = run_of_ones[np.int64(member[p]) >> 1]
    return depth, first_empty


@njit(cache=True, nogil=True)
def _sums_from_depth(pred, gt, p64, g64, mask, use_mask, use_lut, phi, th32, depth, level_index):
    """Step 3 with the depth of every pixel given (the pixel path)."""
    h, w = pred.shape
    acc = np.zeros(w)
    flat_phi = phi.ravel()
    for y in range(h):
        row_depth = depth[y * w : (y + 1) * w]
        _add_row(pred, gt, y, mask, use_mask, use_lut, flat_phi, th32, level_index, row_depth, p64, g64, acc)
    return acc.sum()


DENSE_RATE = 1.0  # threshold crossings per pixel above which the pixel path is used (uniform noise: 2.6)


@njit(cache=True, nogil=True)
def _conn_runs(pred, gt, p64, g64, mask, use_mask, use_lut, cuts, phi, thresholds, th32, indexnet_rule, top):
    n = thresholds.shape[0] - 1
    run_s, run_e, offs = _scan_rows(pred, gt, use_lut, cuts, thresholds, top)
    in_omega, first_empty = _keep_largest(run_s, run_e, offs)
    level_index = np.arange(n + 1)
    if indexnet_rule and first_empty <= n:
        level_index[first_empty - 1] = n
    return _sums(pred, gt, p64, g64, mask, use_mask, use_lut, phi, th32, run_s, run_e, offs, in_omega, level_index)


@njit(cache=True, nogil=True)
def _conn_pixels(pred, gt, p64, g64, mask, use_mask, use_lut, cuts, phi, thresholds, th32, indexnet_rule):
    """The pixel path: a separate function, so that it is compiled only where it is used."""
    h, w = pred.shape
    n = thresholds.shape[0] - 1
    depth, first_empty = _depth_pixels(_levels(pred, gt, use_lut, cuts, thresholds), h, w, n)
    level_index = np.arange(n + 1)
    if indexnet_rule and first_empty <= n:
        level_index[first_empty - 1] = n
    return _sums_from_depth(pred, gt, p64, g64, mask, use_mask, use_lut, phi, th32, depth, level_index)


def conn_error(pred, gt, mask, use_mask, thresholds, indexnet_rule, tables=None, path="auto"):
    """Sum over the region of |phi_g - phi_p| (the caller applies /1000), on the calling thread.

    pred, gt: (H, W) C-contiguous float32 alphas, or uint8 when `tables` (from `conn_tables`) is
    given (alpha = v / 255 in float32). mask: uint8, nonzero = counted (when `use_mask`).
    path: "runs" (union-find over row runs: fast on smooth mattes), "pixels" (one union-find pass
    over pixels: fast on fragmented ones, e.g. noise) or "auto" (chosen by the sampled run density).
    Both paths give the same components, so the same value to the last bit.
    """
    if thresholds.shape[0] != N_THRESHOLDS + 1:
        raise ValueError(f"Conn is defined with {N_THRESHOLDS} thresholds (step 0.1); got {thresholds.shape[0] - 1}")
    use_lut = tables is not None
    cuts, phi = tables if use_lut else (np.zeros(1, np.int16), np.zeros((1, 1), np.float32))
    p64, g64 = (_words(pred), _words(gt)) if use_lut else (np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    if path == "auto":
        dense = _change_rate(pred, gt, use_lut, cuts, thresholds, 16) > DENSE_RATE
    elif path in ("runs", "pixels"):
        dense = path == "pixels"
    else:
        raise ValueError(f"path must be auto, runs or pixels; got {path!r}")
    th32 = thresholds.astype(np.float32)
    if dense:
        return _conn_pixels(pred, gt, p64, g64, mask, use_mask, use_lut, cuts, phi, thresholds, th32, indexnet_rule)
    return _conn_runs(pred, gt, p64, g64, mask, use_mask, use_lut, cuts, phi, thresholds, th32, indexnet_rule,
                      _top_needed(phi, use_lut))


def _top_needed(phi: np.ndarray, use_lut: bool) -> int:
    """The highest threshold whose largest component can change the sum.

    Depth n-1 and depth n differ only in the level (th[n-1] or th[n]) a pixel is compared with;
    when both levels' phi rows are all 1 (8-bit alphas: alpha - 0.9 < 0.15 always), no pixel's
    term changes, so omega_n need not be found: on noisy mattes {p = g = 255} is where the runs
    are (a quarter of a million per 1080p frame). Under IndexNet's rule a first empty threshold
    of n gives depth n-1 the level th[n], the same all-1 row. Float alphas keep every threshold.
    """
    n = N_THRESHOLDS
    if use_lut and phi.shape[0] == n + 1 and bool(np.all(phi[n - 1 :] == 1.0)):
        return n - 1
    return n
