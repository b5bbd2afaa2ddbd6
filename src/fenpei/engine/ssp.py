"""Successive shortest paths over the reps: the engine's exact solver.

The allocation is a min-cost flow (customer → rep → convex slot arcs → sink, plus a
"stay unassigned" arc per customer). A generic solver works on all of it: a million
customer nodes and twenty million arcs. But paths that matter only ever go customer → rep
→ (a customer of that rep moves) → rep → … → a free slot or a dropped customer, so the
search can run on the *reps* alone: a few thousand nodes. Customers are inserted one at a
time (highest priority first); each insertion runs Dijkstra over reps from the new
customer, with Johnson potentials φ on the reps keeping every residual arc's reduced cost
non-negative, and stops as soon as no shorter path can exist.

The arc "rep r → rep r′" stands for the cheapest customer of r that could move to r′:
its cost v(c,r) − v(c,r′) does not depend on the potentials, so each (r, r′) keeps a heap
of its customers by that static key, with lazy deletion (an entry is stale once the
customer has left r). Dropping a customer of r back to "unassigned" uses a heap by v(c,r).

This is plain successive shortest paths, so the result is an exact optimum of the integer
problem (Ahuja, Magnanti & Orlin, ch. 9). The potentials are the dual prices of the reps;
`certify` checks primal value = dual value in exact integer arithmetic after every solve.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

I64 = npt.NDArray[np.int64]
INF = np.int64(2**62)


@njit(cache=True, inline="always")
def _heap_push(pool, hstart, hcap, hsize, used, hid, key, item):
    """Push onto heap `hid`, which lives in pool[hstart:hstart+hcap]; returns the pool.

    All heaps share one (key, item) pool: a full heap moves to a region twice its size at
    the end of the pool (the old region is abandoned). One flat array keeps every access
    a plain index, which is what makes the inner loop fast.
    """
    n = hsize[hid]
    if n == hcap[hid]:
        cap = max(4, 2 * n)
        if used[0] + cap > pool.shape[0]:
            grown = np.empty((max(2 * pool.shape[0], used[0] + cap), 2), dtype=np.int64)
            grown[: used[0]] = pool[: used[0]]
            pool = grown
        start = used[0]
        pool[start : start + n] = pool[hstart[hid] : hstart[hid] + n]
        hstart[hid] = start
        hcap[hid] = cap
        used[0] += cap
    base = hstart[hid]
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        pk = pool[base + parent, 0]
        if pk < key or (pk == key and pool[base + parent, 1] <= item):
            break
        pool[base + i, 0] = pk
        pool[base + i, 1] = pool[base + parent, 1]
        i = parent
    pool[base + i, 0] = key
    pool[base + i, 1] = item
    hsize[hid] = n + 1
    return pool


@njit(cache=True, inline="always")
def _heap_pop(pool, hstart, hsize, hid):
    base = hstart[hid]
    n = hsize[hid] - 1
    hsize[hid] = n
    if n == 0:
        return
    key = pool[base + n, 0]
    item = pool[base + n, 1]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        c = base + child
        if child + 1 < n and (
            pool[c + 1, 0] < pool[c, 0]
            or (pool[c + 1, 0] == pool[c, 0] and pool[c + 1, 1] < pool[c, 1])
        ):
            child += 1
            c += 1
        if key < pool[c, 0] or (key == pool[c, 0] and item <= pool[c, 1]):
            break
        pool[base + i, 0] = pool[c, 0]
        pool[base + i, 1] = pool[c, 1]
        i = child
    pool[base + i, 0] = key
    pool[base + i, 1] = item


@njit(cache=True, inline="always")
def _refresh(pool, hstart, hsize, top_key, top_item, hid, assign, rep):
    """Drop stale roots (customer no longer at `rep`) and cache the valid root.

    The Dijkstra reads only `top_key`/`top_item`: contiguous per rep, so scanning a rep's
    neighbours touches a few cache lines instead of one heap each.
    """
    while hsize[hid] > 0:
        root = hstart[hid]
        if assign[pool[root, 1]] == rep:
            top_key[hid] = pool[root, 0]
            top_item[hid] = pool[root, 1]
            return
        _heap_pop(pool, hstart, hsize, hid)
    top_key[hid] = INF
    top_item[hid] = -1


@njit(cache=True)
def rep_neighbours(class_ptr, class_rep, n_reps):
    """CSR of reps that share a class (so a customer may move between them) + id matrix."""
    mark = np.zeros((n_reps, n_reps), dtype=np.bool_)
    for k in range(class_ptr.size - 1):
        lo, hi = class_ptr[k], class_ptr[k + 1]
        for a in range(lo, hi):
            ra = class_rep[a]
            for b in range(lo, hi):
                if a != b:
                    mark[ra, class_rep[b]] = True
    ptr = np.zeros(n_reps + 1, dtype=np.int64)
    for r in range(n_reps):
        ptr[r + 1] = ptr[r] + mark[r].sum()
    nbr = np.empty(ptr[n_reps], dtype=np.int32)
    pid = np.full((n_reps, n_reps), -1, dtype=np.int32)
    j = 0
    for r in range(n_reps):
        for r2 in range(n_reps):
            if mark[r, r2]:
                nbr[j] = r2
                pid[r, r2] = j
                j += 1
    return ptr, nbr, pid


@njit(cache=True, inline="always")
def _move_customer(
    c,
    old,
    new,
    arc_ptr,
    arc_rep,
    arc_val,
    pid,
    pool,
    hstart,
    hcap,
    hsize,
    used,
    top_key,
    top_item,
    n_pairs,
    assign,
):
    """Customer c leaves rep `old` (-1: none) for rep `new` (-1: unassigned)."""
    assign[c] = new
    if old >= 0:
        for h in range(arc_ptr[c], arc_ptr[c + 1] + 1):
            if h == arc_ptr[c + 1]:
                hid = n_pairs + old
            elif arc_rep[h] != old:
                hid = pid[old, arc_rep[h]]
            else:
                continue
            if top_item[hid] == c:
                _refresh(pool, hstart, hsize, top_key, top_item, hid, assign, old)
    if new < 0:
        return pool
    v_here = np.int64(0)
    for a in range(arc_ptr[c], arc_ptr[c + 1]):
        if arc_rep[a] == new:
            v_here = arc_val[a]
            break
    for a in range(arc_ptr[c], arc_ptr[c + 1] + 1):
        if a == arc_ptr[c + 1]:
            hid = n_pairs + new
            key = v_here
        elif arc_rep[a] != new:
            hid = pid[new, arc_rep[a]]
            key = v_here - arc_val[a]
        else:
            continue
        pool = _heap_push(pool, hstart, hcap, hsize, used, hid, key, c)
        root = hstart[hid]
        top_key[hid] = pool[root, 0]
        top_item[hid] = pool[root, 1]
    return pool


@njit(cache=True)
def ssp_solve(order, arc_ptr, arc_rep, arc_val, slot_ptr, slot_cost, nbr_ptr, nbr, pid):
    """Returns (assign per customer or -1, new load per rep, potentials φ per rep, stats)."""
    n = arc_ptr.size - 1
    n_reps = slot_ptr.size - 1
    n_pairs = nbr.size
    assign = np.full(n, -1, dtype=np.int64)
    load = np.zeros(n_reps, dtype=np.int64)
    phi = np.zeros(n_reps, dtype=np.int64)
    n_heaps = n_pairs + n_reps
    pool = np.empty((max(1024, 8 * arc_rep.size), 2), dtype=np.int64)
    hstart = np.zeros(n_heaps, dtype=np.int64)
    hcap = np.zeros(n_heaps, dtype=np.int64)
    hsize = np.zeros(n_heaps, dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    top_key = np.full(n_heaps, INF, dtype=np.int64)
    top_item = np.full(n_heaps, -1, dtype=np.int64)
    dist = np.full(n_reps, INF, dtype=np.int64)
    settled = np.zeros(n_reps, dtype=np.bool_)
    pred_rep = np.full(n_reps, -1, dtype=np.int64)
    pred_c = np.full(n_reps, -1, dtype=np.int64)
    touched = np.empty(n_reps, dtype=np.int64)
    pops = 0
    for c0 in order:
        a0, a1 = arc_ptr[c0], arc_ptr[c0 + 1]
        if a0 == a1:
            continue
        pc = np.int64(0)  # potential of the new customer: all its arcs reduced ≥ 0
        for a in range(a0, a1):
            x = arc_val[a] + phi[arc_rep[a]]
            if x > pc:
                pc = x
        best = pc  # stay unassigned
        kind = 0
        term_rep = -1
        term_c = -1
        nt = 0
        for a in range(a0, a1):
            r = arc_rep[a]
            d = pc - arc_val[a] - phi[r]
            if d < dist[r]:
                if dist[r] == INF:
                    touched[nt] = r
                    nt += 1
                dist[r] = d
                pred_rep[r] = -1
                pred_c[r] = c0
        while True:
            # the next rep to settle: a scan over the few reps touched so far beats a heap
            r = -1
            d = best
            for i in range(nt):
                x = touched[i]
                if settled[x]:
                    continue
                dx = dist[x]
                if dx < d or (dx == d and r >= 0 and x < r):
                    r = x
                    d = dx
            if r < 0:
                break
            settled[r] = True
            pops += 1
            s = load[r]
            if slot_ptr[r] + s < slot_ptr[r + 1]:
                t = d + slot_cost[slot_ptr[r] + s] + phi[r]
                if t < best:
                    best, kind, term_rep = t, 1, r
            h = n_pairs + r
            if top_key[h] != INF:
                t = d + top_key[h] + phi[r]
                if t < best:
                    best, kind, term_rep, term_c = t, 2, r, top_item[h]
            base = d + phi[r]
            for j in range(nbr_ptr[r], nbr_ptr[r + 1]):
                key = top_key[j]
                if key == INF:
                    continue
                r2 = nbr[j]
                nd = base + key - phi[r2]
                if nd < dist[r2] and nd < best and not settled[r2]:
                    if dist[r2] == INF:
                        touched[nt] = r2
                        nt += 1
                    dist[r2] = nd
                    pred_rep[r2] = r
                    pred_c[r2] = top_item[j]
        if kind != 0:
            r = term_rep
            if kind == 1:
                load[r] += 1
            else:
                pool = _move_customer(
                    term_c,
                    r,
                    -1,
                    arc_ptr,
                    arc_rep,
                    arc_val,
                    pid,
                    pool,
                    hstart,
                    hcap,
                    hsize,
                    used,
                    top_key,
                    top_item,
                    n_pairs,
                    assign,
                )
            while True:
                c = pred_c[r]
                prev = pred_rep[r]
                pool = _move_customer(
                    c,
                    prev,
                    r,
                    arc_ptr,
                    arc_rep,
                    arc_val,
                    pid,
                    pool,
                    hstart,
                    hcap,
                    hsize,
                    used,
                    top_key,
                    top_item,
                    n_pairs,
                    assign,
                )
                if prev < 0:
                    break
                r = prev
        for i in range(nt):
            r = touched[i]
            if settled[r]:
                phi[r] += dist[r] - best
            dist[r] = INF
            settled[r] = False
    return assign, load, phi, pops


@njit(cache=True)
def certify(assign, arc_ptr, arc_rep, arc_val, slot_ptr, slot_cost, load, phi):
    """(primal, dual) in integer units; equal iff the allocation is optimal.

    Dual: Σ_c max(0, max_r v(c,r) − π_r) + Σ_r Σ_k max(0, π_r − cost_k), with π = −φ.
    """
    primal = np.int64(0)
    dual = np.int64(0)
    for c in range(arc_ptr.size - 1):
        u = np.int64(0)
        for a in range(arc_ptr[c], arc_ptr[c + 1]):
            r = arc_rep[a]
            x = arc_val[a] + phi[r]
            if x > u:
                u = x
            if assign[c] == r:
                primal += arc_val[a]
        dual += u
    for r in range(slot_ptr.size - 1):
        for k in range(slot_ptr[r], slot_ptr[r + 1]):
            if k - slot_ptr[r] < load[r]:
                primal -= slot_cost[k]
            x = -phi[r] - slot_cost[k]
            if x > 0:
                dual += x
    return primal, dual
