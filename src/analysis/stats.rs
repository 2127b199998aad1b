//! Small, honest statistics for comparing two groups on a share.

/// Below this many people in a group, a share is shown as a count and not compared.
pub const MIN_BASE: usize = 10;

/// `ln(n!)` for `n` in `0..=max`, by summing logarithms (exact enough for p-values).
fn log_factorials(max: usize) -> Vec<f64> {
    let mut t = Vec::with_capacity(max + 1);
    t.push(0.0);
    let mut acc = 0.0;
    for i in 1..=max {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64;
        acc += x.ln();
        t.push(acc);
    }
    t
}

/// Two-sided Fisher's exact test on the 2×2 table `[[a, b], [c, d]]`: the probability,
/// with the margins fixed, of a table at least as unlikely as the one observed (the
/// tables whose hypergeometric probability is at most the observed one's, with a small
/// relative tolerance for rounding, as R's `fisher.test` does).
pub fn fisher_exact(a: usize, b: usize, c: usize, d: usize) -> f64 {
    let (r1, r2, c1) = (a + b, c + d, a + c);
    let n = r1 + r2;
    if n == 0 {
        return 1.0;
    }
    let lf = log_factorials(n);
    let fixed = lf[r1] + lf[r2] + lf[c1] + lf[n - c1] - lf[n];
    let p = |x: usize| -> f64 { (fixed - lf[x] - lf[r1 - x] - lf[c1 - x] - lf[r2 + x - c1]).exp() };
    let lo = c1.saturating_sub(r2);
    let hi = r1.min(c1);
    let observed = p(a);
    let total: f64 = (lo..=hi).map(p).filter(|&q| q <= observed * (1.0 + 1e-7)).sum();
    total.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 5e-6
    }

    #[test]
    fn fisher_matches_published_values() {
        // Fisher's tea-tasting experiment: 3 of 4 cups right, two-sided p = 0.4857.
        assert!(close(fisher_exact(3, 1, 1, 3), 0.485_714), "{}", fisher_exact(3, 1, 1, 3));
        // The textbook dieting example (1 of 10 men, 11 of 14 women): p = 0.002759 (R).
        assert!(close(fisher_exact(1, 9, 11, 3), 0.002_759), "{}", fisher_exact(1, 9, 11, 3));
        // R: fisher.test(matrix(c(10, 2, 3, 15), 2)) → p-value = 0.0005367.
        assert!(close(fisher_exact(10, 3, 2, 15), 0.000_536_7), "{}", fisher_exact(10, 3, 2, 15));
        // Identical groups tell nothing apart.
        assert!(close(fisher_exact(5, 5, 5, 5), 1.0));
        assert!(close(fisher_exact(0, 0, 0, 0), 1.0));
    }

    #[test]
    fn fisher_is_symmetric_in_rows_and_columns() {
        let p = fisher_exact(7, 12, 2, 16);
        assert!(close(p, fisher_exact(2, 16, 7, 12)));
        assert!(close(p, fisher_exact(7, 2, 12, 16)));
        assert!(p > 0.0 && p < 1.0);
    }
}
