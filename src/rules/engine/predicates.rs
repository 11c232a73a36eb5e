//! Predicates: which family judges each one. A predicate is applied to a
//! value after its selector narrowed it down; each arm hands it to the
//! module named for what it judges.

use crate::analysis::resolve::{Loc, Resolved};
use crate::model::{Value, ValueKind};
use crate::rules::Predicate;

use super::evidence::witness_for;
use super::values::known;
use super::{Ctx, Outcome, Witness, names, time, transport, values};

impl<'p> Ctx<'_, 'p> {
    /// Applies a predicate. `original` is the expression as written at
    /// `original_loc` (names matter to some tests); `resolved` is what it holds.
    pub(super) fn test(
        &self,
        predicate: &Predicate,
        original: &'p Value,
        original_loc: Loc,
        resolved: Resolved<'p>,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let value = resolved.value;
        match predicate {
            Predicate::Missing => Outcome::No,
            Predicate::Present => Outcome::Yes(witness),
            // Values and literals.
            Predicate::StringLiteral => self.string_literal(false, resolved, witness),
            Predicate::NonEmptyString => self.string_literal(true, resolved, witness),
            Predicate::List => known(value, matches!(value.kind, ValueKind::List(_)), witness),
            Predicate::Null => known(value, matches!(value.kind, ValueKind::Null), witness),
            Predicate::PublicKey => values::public_key(value, witness),
            Predicate::Equals(literal) => values::equals(literal, value, witness),
            Predicate::Contains(literal) => self.contains(literal, value, resolved.loc, witness),
            Predicate::MixedAlgorithmFamilies => self.mixed_families(value, resolved.loc, witness),
            Predicate::GeneratedBytesUnder(threshold) => self.generated_bytes_under(threshold, resolved, witness),
            // Names and the policy's name classes.
            Predicate::NamesAVariable => names::names_a_variable_value(value, witness),
            Predicate::Names(class) => self.names(class, original, original_loc, value, witness),
            Predicate::HasKeyIn(class) => self.has_key_in(class, resolved, witness),
            Predicate::LacksKey(key) => self.lacks_key(key, resolved, witness),
            // Time and lifetimes.
            Predicate::DurationOver(threshold) => {
                self.duration_over(threshold, (original, original_loc), resolved, witness)
            }
            Predicate::ExpiryOver(threshold) => {
                self.expiry_over(threshold, (original, original_loc), resolved, witness)
            }
            Predicate::FarFutureTimestamp => time::far_future(value, witness),
            // URLs and transport.
            Predicate::PlainHttpRemoteUrl => transport::plain_http_remote_url(value, witness),
            Predicate::TokenInQuery => self.token_in_query(value, resolved.loc, witness),
            Predicate::BearerToken => match self.bearer_token(original, original_loc, 0) {
                Some(span) => Outcome::Yes(witness_for(span, witness)),
                None => Outcome::No,
            },
            // Flow: where a value came from, what configures it.
            Predicate::FromCall(globs) => self.derived_from_call(globs, original, original_loc, witness),
            Predicate::RefersTo(globs) => self.refers_to(globs, original, original_loc, value, witness),
            Predicate::UntrustedKeyId => match self.untrusted_key_id(original, original_loc, 0) {
                Some(span) => Outcome::Yes(Witness::at(span, None)),
                None => Outcome::No,
            },
            Predicate::ConfiguredBy(names) => self.configured_by(original, original_loc, resolved, names, witness),
        }
    }
}
