//! Predicates: which family judges each one. A predicate is applied to a
//! value after its selector narrowed it down; each arm hands it to the
//! module named for what it judges.

use crate::analysis::resolve::{Loc, Resolved, dotted_text};
use crate::model::{Value, ValueKind};
use crate::rules::Predicate;

use crate::analysis::provenance::TokenKind;

use super::values::known;
use super::{Ctx, Outcome, Witness, names, provenance, time, transport, values};

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
            Predicate::Named => {
                let name = match &value.kind {
                    ValueKind::Str(s) => Some(s.clone()),
                    _ => dotted_text(original),
                };
                Outcome::Yes(match name {
                    Some(name) => witness.named(name),
                    None => witness,
                })
            }
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
            // Provenance: what the value is by what produced it.
            Predicate::BearerToken => self.token_kind_in(&[TokenKind::Bearer], original, original_loc, witness),
            Predicate::CredentialToken => self.token_kind_in(
                &[TokenKind::Bearer, TokenKind::LinkToken],
                original,
                original_loc,
                witness,
            ),
            Predicate::LinkToken => self.token_kind_in(&[TokenKind::LinkToken], original, original_loc, witness),
            Predicate::DecodedClaims => self.token_kind_in(&[TokenKind::Claims], original, original_loc, witness),
            Predicate::MadeForCliOutput => self.made_for_cli_output(original, original_loc, witness),
            Predicate::LinkUrl => self.link_url(value, witness),
            Predicate::Allowlisted => self.allowlisted(original, original_loc, witness),
            Predicate::PersonalData => self.personal_data(resolved, original_loc, witness),
            Predicate::TokenPayload => self.token_payload(resolved, witness),
            Predicate::SecretShaped => provenance::secret_shaped(value, witness),
            Predicate::ClearingValue => self.clearing_value(original, original_loc, witness),
            Predicate::NonCredentialName => self.non_credential_name(value, witness),
            // About the call as a whole: only through `result = true`.
            Predicate::UsedAsTrusted
            | Predicate::ThirdPartyToken
            | Predicate::FirstPartyToken
            | Predicate::ConfusableToken
            | Predicate::ExpiryGuaranteed
            | Predicate::WeakerVerification => Outcome::Unknown,
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
