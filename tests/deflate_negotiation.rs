//! permessage-deflate negotiation tables (RFC 7692 §5, §7): server offers, client responses,
//! and several offers through `negotiate_server`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::extensions::deflate::{
    Agreement, ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, ServerPerMessageDeflateFactory,
};
use wasmsocket::extensions::{negotiate_server, ClientExtensionFactory, ServerExtensionFactory};
use wasmsocket::handshake::{ExtensionOffer, ExtensionParam};

fn p(list: &[(&str, Option<&str>)]) -> Vec<ExtensionParam> {
    list.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
}

fn bare() -> DeflateConfig {
    DeflateConfig { client_max_window_bits: None, ..DeflateConfig::default() }
}

fn server(c: DeflateConfig) -> ServerPerMessageDeflateFactory {
    ServerPerMessageDeflateFactory::new(c).unwrap()
}

fn client(c: DeflateConfig) -> ClientPerMessageDeflateFactory {
    ClientPerMessageDeflateFactory::new(c).unwrap()
}

const SNCT: (&str, Option<&str>) = ("server_no_context_takeover", None);
const CNCT: (&str, Option<&str>) = ("client_no_context_takeover", None);

#[test]
fn server_declines_malformed_offers() {
    let s = server(bare());
    let bad: &[&[(&str, Option<&str>)]] = &[
        &[SNCT, SNCT],
        &[("client_max_window_bits", None), ("client_max_window_bits", Some("10"))],
        &[("x_unknown", None)],
        &[("server_no_context_takeover", Some("1"))],
        &[("client_no_context_takeover", Some(""))],
        &[("server_max_window_bits", None)],
        &[("server_max_window_bits", Some("7"))],
        &[("server_max_window_bits", Some("16"))],
        &[("server_max_window_bits", Some("08"))],
        &[("server_max_window_bits", Some("abc"))],
        &[("client_max_window_bits", Some("7"))],
        &[("client_max_window_bits", Some("16"))],
        &[("client_max_window_bits", Some(""))],
    ];
    for offer in bad {
        assert!(s.negotiate(&p(offer)).is_err(), "accepted {offer:?}");
        assert!(s.process_request_params(&p(offer), &[]).is_err(), "accepted {offer:?}");
    }
}

#[test]
fn server_accepts_each_parameter() {
    let s = server(bare());
    type Params<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: &[(Params, Params, Agreement)] = &[
        (&[], &[], Agreement::default()),
        (&[SNCT], &[SNCT], Agreement { server_no_context_takeover: true, ..Default::default() }),
        (&[CNCT], &[CNCT], Agreement { client_no_context_takeover: true, ..Default::default() }),
        (
            &[("server_max_window_bits", Some("10"))],
            &[("server_max_window_bits", Some("10"))],
            Agreement { server_max_window_bits: Some(10), ..Default::default() },
        ),
        // Without a value and no preference of ours: nothing in the response, client uses 15.
        (&[("client_max_window_bits", None)], &[], Agreement::default()),
        (
            &[("client_max_window_bits", Some("9"))],
            &[("client_max_window_bits", Some("9"))],
            Agreement { client_max_window_bits: Some(9), ..Default::default() },
        ),
    ];
    for (offer, response, agreement) in cases {
        let (r, a) = s.negotiate(&p(offer)).unwrap();
        assert_eq!(r, p(response), "offer {offer:?}");
        assert_eq!(&a, agreement, "offer {offer:?}");
    }
}

/// python-websockets' server default: both windows capped at 12.
fn windows_12_12() -> DeflateConfig {
    DeflateConfig {
        server_max_window_bits: Some(12),
        client_max_window_bits: Some(ClientBits::Value(12)),
        ..DeflateConfig::server()
    }
}

#[test]
fn the_default_server_caps_no_window() {
    // Like ws: capping costs bytes on the wire and saves us nothing (miniz inflates with 32 KiB).
    let s = server(DeflateConfig::server());
    let (r, a) = s.negotiate(&[]).unwrap();
    assert_eq!(r, p(&[]));
    assert_eq!((a.server_max_window_bits, a.client_max_window_bits), (None, None));
    let (r, a) = s.negotiate(&p(&[("client_max_window_bits", None)])).unwrap();
    assert_eq!(r, p(&[]));
    assert_eq!((a.server_max_window_bits, a.client_max_window_bits), (None, None));
    // A client that limits itself is taken at its word, and told so.
    let (r, a) = s.negotiate(&p(&[("client_max_window_bits", Some("10"))])).unwrap();
    assert_eq!(r, p(&[("client_max_window_bits", Some("10"))]));
    assert_eq!(a.client_max_window_bits, Some(10));
}

#[test]
fn server_config_caps_and_imposes() {
    let s = server(windows_12_12());
    let (r, a) = s.negotiate(&[]).unwrap();
    // Our window is ours to announce; the client's cannot be set when not offered.
    assert_eq!(r, p(&[("server_max_window_bits", Some("12"))]));
    assert_eq!(a.client_max_window_bits, None);
    let (r, _) = s.negotiate(&p(&[("client_max_window_bits", None)])).unwrap();
    assert_eq!(r, p(&[("server_max_window_bits", Some("12")), ("client_max_window_bits", Some("12"))]));
    let (r, _) = s
        .negotiate(&p(&[("server_max_window_bits", Some("9")), ("client_max_window_bits", Some("14"))]))
        .unwrap();
    assert_eq!(r, p(&[("server_max_window_bits", Some("9")), ("client_max_window_bits", Some("12"))]));
    let s = server(DeflateConfig { server_no_context_takeover: true, client_no_context_takeover: true, ..bare() });
    let (r, a) = s.negotiate(&[]).unwrap();
    assert_eq!(r, p(&[SNCT, CNCT]));
    assert!(a.server_no_context_takeover && a.client_no_context_takeover);
}

#[test]
fn server_takes_the_first_acceptable_of_several_offers() {
    let offers = vec![
        ExtensionOffer::new("permessage-deflate", &[("server_max_window_bits", Some("20"))]),
        ExtensionOffer::new("permessage-deflate", &[("bogus", None)]),
        ExtensionOffer::new("permessage-deflate", &[("client_max_window_bits", Some("10"))]),
        ExtensionOffer::new("permessage-deflate", &[]),
    ];
    let factories: Vec<Box<dyn ServerExtensionFactory>> = vec![Box::new(server(bare()))];
    let (response, chain) = negotiate_server(&offers, &factories);
    assert_eq!(response, vec![ExtensionOffer::new("permessage-deflate", &[("client_max_window_bits", Some("10"))])]);
    assert_eq!(chain.names(), vec!["permessage-deflate"]);
    assert_eq!(chain.rsv_bits(), wasmsocket::frame::RSV1);
}

#[test]
fn client_offer_follows_its_config() {
    assert_eq!(client(DeflateConfig::client()).offer(), p(&[("client_max_window_bits", None)]));
    let c = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: Some(10),
        client_max_window_bits: Some(ClientBits::Value(11)),
        ..DeflateConfig::default()
    };
    assert_eq!(
        client(c).offer(),
        p(&[SNCT, CNCT, ("server_max_window_bits", Some("10")), ("client_max_window_bits", Some("11"))])
    );
    assert!(ClientPerMessageDeflateFactory::new(DeflateConfig { server_max_window_bits: Some(7), ..bare() }).is_err());
    assert!(ServerPerMessageDeflateFactory::new(DeflateConfig { level: 11, ..bare() }).is_err());
    for mem_level in [0, 10] {
        assert!(ServerPerMessageDeflateFactory::new(DeflateConfig { mem_level, ..bare() }).is_err());
        assert!(ClientPerMessageDeflateFactory::new(DeflateConfig { mem_level, ..bare() }).is_err());
    }
    for mem_level in 1..=9 {
        assert!(ServerPerMessageDeflateFactory::new(DeflateConfig { mem_level, ..bare() }).is_ok());
    }
}

#[test]
fn client_validates_responses() {
    let any = client(DeflateConfig::client()); // client_max_window_bits offered without value
    let none = client(bare());
    let strict = client(DeflateConfig {
        server_no_context_takeover: true,
        server_max_window_bits: Some(10),
        client_max_window_bits: Some(ClientBits::Value(11)),
        ..DeflateConfig::default()
    });
    type Row<'a> = (&'a ClientPerMessageDeflateFactory, &'a [(&'a str, Option<&'a str>)], Option<Agreement>);
    let a = Agreement::default;
    let rows: Vec<Row> = vec![
        (&any, &[], Some(a())),
        (&any, &[SNCT, CNCT], Some(Agreement { server_no_context_takeover: true, client_no_context_takeover: true, ..a() })),
        (&any, &[("server_max_window_bits", Some("8"))], Some(Agreement { server_max_window_bits: Some(8), ..a() })),
        (&any, &[("client_max_window_bits", Some("13"))], Some(Agreement { client_max_window_bits: Some(13), ..a() })),
        (&any, &[("client_max_window_bits", None)], None), // a response needs a value
        (&any, &[("client_max_window_bits", Some("16"))], None),
        (&any, &[("server_max_window_bits", Some("7"))], None),
        (&any, &[("server_max_window_bits", None)], None),
        (&any, &[SNCT, SNCT], None),
        (&any, &[("server_no_context_takeover", Some("x"))], None),
        (&any, &[("bogus", None)], None),
        (&none, &[("client_max_window_bits", Some("10"))], None), // not offered
        (&none, &[], Some(a())),
        (&strict, &[], None), // our requirements were dropped
        (&strict, &[SNCT], None), // server_max_window_bits dropped
        (&strict, &[SNCT, ("server_max_window_bits", Some("11"))], None), // above offer
        (
            &strict,
            &[SNCT, ("server_max_window_bits", Some("9"))],
            Some(Agreement {
                server_no_context_takeover: true,
                server_max_window_bits: Some(9),
                client_max_window_bits: Some(11), // our own limit stands
                ..a()
            }),
        ),
        (&strict, &[SNCT, ("server_max_window_bits", Some("10")), ("client_max_window_bits", Some("12"))], None),
        (
            &strict,
            &[SNCT, ("server_max_window_bits", Some("10")), ("client_max_window_bits", Some("8"))],
            Some(Agreement {
                server_no_context_takeover: true,
                server_max_window_bits: Some(10),
                client_max_window_bits: Some(8),
                ..a()
            }),
        ),
    ];
    for (factory, response, expected) in rows {
        let got = factory.accept(&p(response));
        match expected {
            Some(e) => assert_eq!(got, Ok(e), "response {response:?}"),
            None => {
                let err = got.expect_err(&format!("accepted {response:?}"));
                assert!(!err.0.is_empty());
                assert!(factory.process_response_params(&p(response), &[]).is_err());
            }
        }
    }
}

#[test]
fn server_and_client_agree_on_every_window() {
    for s_bits in 8..=15u8 {
        for c_bits in 8..=15u8 {
            let c = client(DeflateConfig {
                server_max_window_bits: Some(s_bits),
                client_max_window_bits: Some(ClientBits::Value(c_bits)),
                ..DeflateConfig::default()
            });
            let (response, server_side) = server(windows_12_12()).negotiate(&c.offer()).unwrap();
            let client_side = c.accept(&response).unwrap();
            assert_eq!(server_side, client_side);
            assert_eq!(server_side.server_max_window_bits, Some(s_bits.min(12)));
            assert_eq!(server_side.client_max_window_bits, Some(c_bits.min(12)));
        }
    }
}
