//! Time: durations over a threshold (`timedelta(days=8)`,
//! `Duration::hours(24)`), expiries that are now plus too long a lifetime,
//! and literal timestamps far in the future.

use crate::analysis::resolve::Resolved;
use crate::analysis::values::{duration_seconds, expiry_lifetime, human_duration};
use crate::model::{Value, ValueKind};

use super::values::known;
use super::{Ctx, Outcome, Witness};

/// Calls whose result is the current time, for `exp = now + lifetime`.
const NOW_CALLS: &[&str] = &[
    "datetime.datetime.utcnow",
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.utcnow",
    "datetime.now",
    "time.time",
    "django.utils.timezone.now",
    "arrow.utcnow",
    "arrow.now",
    "pendulum.now",
    "chrono::Utc::now",
    "chrono::Local::now",
    "chrono::offset::Utc::now",
    "chrono::offset::Local::now",
    "chrono::prelude::Utc::now",
    "chrono::prelude::Local::now",
    "std::time::SystemTime::now",
    "jsonwebtoken::get_current_timestamp",
    "time::OffsetDateTime::now_utc",
    "jwt_simple::prelude::Clock::now_since_epoch",
];

/// An integer Unix time more than a year after now.
pub(super) fn far_future<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    match &value.kind {
        ValueKind::Int(t) => Outcome::from_bool(is_far_future_timestamp(*t), witness),
        _ => known(value, false, witness),
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A duration that folds to more seconds than the policy's `threshold`.
    pub(super) fn duration_over(&self, threshold: &str, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        let limit = self.policy.threshold(threshold).unwrap_or(i128::MAX);
        match duration_seconds(self.resolver, resolved.value, resolved.loc) {
            Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
            None => known(resolved.value, false, witness),
        }
    }

    /// An expiry that is now plus more than the policy's `threshold`.
    pub(super) fn expiry_over(&self, threshold: &str, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        let limit = self.policy.threshold(threshold).unwrap_or(i128::MAX);
        match expiry_lifetime(self.resolver, resolved.value, resolved.loc, NOW_CALLS) {
            Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
            None => Outcome::Unknown,
        }
    }
}

/// A Unix time (in seconds) more than a year after now. Values too large to
/// be seconds (milliseconds) are left alone.
fn is_far_future_timestamp(t: i128) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i128)
        .unwrap_or(0);
    t > now + 366 * 86_400 && t < 100_000_000_000
}
