//! The lattice, the signing index and the use summary on small projects.

use std::sync::Arc;

use super::signing::{TokenOrigin, verified_token_origin};
use super::uses::{NextUse, unverified_result_use};
use super::{TokenKind, TokenNames, token_kind};
use crate::analysis::project::{Project, ProjectModule};
use crate::analysis::resolve::{Loc, Resolver};
use crate::frontend::lower::python::lower_python;
use crate::frontend::lower::rust::lower_rust;
use crate::model::{Language, ValueKind};

/// The default name classes, written out (the policy lives a stage up).
struct Names;

impl TokenNames for Names {
    fn is_bearer(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        (name == "token" || name.ends_with("_token") || name == "authorization" || name.ends_with("jwt"))
            && !name.contains("reset")
            && !name.contains("csrf")
    }

    fn is_link_word(&self, word: &str) -> bool {
        ["reset", "invite", "verify", "download", "share"].contains(&word)
    }

    fn is_not_credential_word(&self, word: &str) -> bool {
        ["captcha", "acme", "challenge"].contains(&word)
    }
}

fn project(files: &[(&str, &str, &str)]) -> Project {
    let modules = files
        .iter()
        .map(|(path, package, src)| {
            let (language, module) = if path.ends_with(".rs") {
                (Language::Rust, lower_rust(src).expect("the test source parses"))
            } else {
                (Language::Python, lower_python(src))
            };
            ProjectModule::new(
                path.to_string(),
                language,
                module,
                Arc::new(src.to_string()),
                Some(package.to_string()),
            )
        })
        .collect();
    let names: Vec<Vec<String>> = files
        .iter()
        .map(|(path, _, _)| vec![path.trim_end_matches(".py").replace('/', ".")])
        .collect();
    Project::new(modules, &names)
}

/// The kind of the first argument of the last call to `sink` in module 0.
fn kind_of_argument(src: &str, sink: &str) -> TokenKind {
    let project = project(&[("main.py", "", src)]);
    let resolver = Resolver::new(&project);
    let call = resolver
        .module(0)
        .calls
        .iter()
        .rev()
        .find(|c| matches!(&c.callee.kind, ValueKind::Name(n) if n == sink))
        .expect("the sink is called");
    let loc = Loc::new(0, call.scope);
    token_kind(&resolver, &call.args[0].value, loc, &Names).kind
}

#[test]
fn provenance_wins_over_the_name() {
    let decoded = "import jwt\ndef f(t, k):\n    decoded_token = jwt.decode(t, k, algorithms=['HS256'])\n    show(decoded_token)\n";
    assert_eq!(kind_of_argument(decoded, "show"), TokenKind::Claims);
    let header = "def f(request):\n    value = request.headers['Authorization'].split(' ')[1]\n    show(value)\n";
    assert_eq!(kind_of_argument(header, "show"), TokenKind::Bearer);
    let reset = "import jwt\ndef generate_reset_email(k, user):\n    link_value = jwt.encode({'sub': user}, k)\n    show(link_value)\n";
    assert_eq!(kind_of_argument(reset, "show"), TokenKind::LinkToken);
    let session = "def share_session(user):\n    value = create_access_token(user)\n    show(value)\n";
    assert_eq!(kind_of_argument(session, "show"), TokenKind::Bearer);
    let masked = "def f(token):\n    show(token[:4])\n";
    assert_eq!(kind_of_argument(masked, "show"), TokenKind::Other);
    let captcha = "def f(captcha_token):\n    show(captcha_token)\n";
    assert_eq!(kind_of_argument(captcha, "show"), TokenKind::Other);
    let code = "def f():\n    token = generate_email_token(6)\n    show(token)\n";
    assert_eq!(kind_of_argument(code, "show"), TokenKind::Other);
    let named = "def f(token):\n    show(token)\n";
    assert_eq!(kind_of_argument(named, "show"), TokenKind::Bearer);
}

/// The origin of the last verifying decode in module `id`.
fn origin_of_last_decode(project: &Project, id: usize) -> TokenOrigin {
    let resolver = Resolver::new(project);
    let call = resolver
        .module(id)
        .calls
        .iter()
        .rev()
        .find(|c| {
            matches!(&c.callee.kind, ValueKind::Attr(_, m) if m == "decode")
                || matches!(&c.callee.kind, ValueKind::Name(n) if n == "decode")
        })
        .expect("a decode");
    verified_token_origin(&resolver, call, Loc::new(id, call.scope), &Names)
}

#[test]
fn a_key_the_project_signs_with_elsewhere_makes_a_first_party_token() {
    let project = project(&[
        (
            "app/security.py",
            "app",
            "import jwt\nfrom app.config import settings\ndef create_access_token(sub, exp):\n    return jwt.encode({'sub': sub, 'exp': exp}, settings.SECRET_KEY, algorithm='HS256')\n",
        ),
        (
            "app/deps.py",
            "app",
            "import jwt\nfrom app.config import settings\ndef user(token):\n    return jwt.decode(token, settings.SECRET_KEY, algorithms=['HS256'])\n",
        ),
        (
            "app/gotrue.py",
            "app",
            "import jwt\nfrom app.config import settings\ndef user(token):\n    return jwt.decode(token, settings.GOTRUE_JWT_SECRET, algorithms=['HS256'])\n",
        ),
        (
            "app/param.py",
            "app",
            "import jwt\ndef user(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'])\n",
        ),
        (
            "app/rsa.py",
            "app",
            "import jwt\ndef user(token, key):\n    return jwt.decode(token, key, algorithms=['RS256'])\n",
        ),
    ]);
    assert!(
        matches!(origin_of_last_decode(&project, 1), TokenOrigin::FirstParty(used) if !used.signed_without_exp && !used.link_tokens)
    );
    assert_eq!(origin_of_last_decode(&project, 2), TokenOrigin::ThirdParty);
    assert_eq!(origin_of_last_decode(&project, 3), TokenOrigin::Unknown);
    assert_eq!(origin_of_last_decode(&project, 4), TokenOrigin::ThirdParty);
}

#[test]
fn a_key_pair_the_project_signs_with_is_first_party_and_a_jwks_is_not() {
    let src = "use jsonwebtoken::{decode, encode, DecodingKey, Validation, Algorithm};\n\
        static PRIVATE_RSA_KEY: OnceLock<EncodingKey> = OnceLock::new();\n\
        static PUBLIC_RSA_KEY: OnceLock<DecodingKey> = OnceLock::new();\n\
        fn sign<T>(claims: &T) -> String { encode(&HEADER, claims, PRIVATE_RSA_KEY.wait()).unwrap() }\n\
        fn verify(token: &str) { let v = Validation::new(Algorithm::RS256); let _ = decode::<C>(token, PUBLIC_RSA_KEY.wait(), &v); }\n";
    let project = project(&[("src/auth.rs", "", src)]);
    assert!(matches!(origin_of_last_decode(&project, 0), TokenOrigin::FirstParty(_)));
    let jwks = "use jsonwebtoken::{decode, DecodingKey, Validation};\n\
        fn verify(token: &str, jwk: &Jwk) { let key = DecodingKey::from_jwk(jwk).unwrap(); let _ = decode::<C>(token, &key, &Validation::default()); }\n";
    let project = self::project(&[("src/oidc.rs", "", jwks)]);
    assert_eq!(origin_of_last_decode(&project, 0), TokenOrigin::ThirdParty);
}

/// What happens next to the first unverified decode in module 0.
fn next_use(files: &[(&str, &str, &str)]) -> NextUse {
    let project = project(files);
    let resolver = Resolver::new(&project);
    let id = resolver
        .module(0)
        .calls
        .iter()
        .position(|c| {
            let text = format!("{:?}", c.callee.kind);
            text.contains("parse_unverified") || text.contains("\"decode\"")
        })
        .expect("an unverified decode");
    unverified_result_use(&resolver, 0, id)
}

#[test]
fn browser_code_holds_no_key() {
    let body = "fn claims(jwt: &str) -> Result<Claims> {\n    let token = Token::<Header, Claims, _>::parse_unverified(jwt)?;\n    Ok(token.claims().clone())\n}\n";
    let server = format!("use jwt::{{Header, Token}};\n{body}");
    let browser = format!("use jwt::{{Header, Token}};\nuse web_sys::RequestCredentials;\n{body}");
    assert!(matches!(next_use(&[("src/a.rs", "", &server)]), NextUse::Trusted(_)));
    assert_eq!(next_use(&[("src/a.rs", "", &browser)]), NextUse::Peek);
}

#[test]
fn a_returned_result_is_judged_at_its_callers() {
    let helper =
        "import jwt\ndef unverified(token):\n    return jwt.decode(token, options={'verify_signature': False})\n";
    let peeking = format!("{helper}def issuer(token):\n    return unverified(token)['iss']\n");
    let trusting = format!("{helper}def user(token):\n    return load_user(unverified(token)['sub'])\n");
    assert_eq!(next_use(&[("a.py", "", &peeking)]), NextUse::Peek);
    assert!(matches!(next_use(&[("a.py", "", &trusting)]), NextUse::Trusted(_)));
    assert!(matches!(next_use(&[("a.py", "", helper)]), NextUse::Trusted(_)));
}

#[test]
fn a_later_verification_of_the_same_token_makes_a_peek() {
    let src = "import jwt\ndef user(token, keys):\n    claims = jwt.decode(token, options={'verify_signature': False})\n    audit(claims)\n    return jwt.decode(token, keys[claims['iss']], algorithms=['RS256'])\n";
    assert_eq!(next_use(&[("a.py", "", src)]), NextUse::Peek);
    let other = "import jwt\ndef user(token, other, keys):\n    claims = jwt.decode(token, options={'verify_signature': False})\n    audit(claims)\n    return jwt.decode(other, keys['k'], algorithms=['RS256'])\n";
    assert!(matches!(next_use(&[("a.py", "", other)]), NextUse::Trusted(_)));
}
