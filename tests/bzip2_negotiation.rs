//! permessage-bzip2 negotiation tables (Autobahn's `compress_bzip2.py`): server offers, client
//! responses, several offers through `negotiate_server`, and the client's failure reasons.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::extensions::bzip2::{Agreement, Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};
use wasmsocket::extensions::deflate::ServerPerMessageDeflateFactory;
use wasmsocket::extensions::{negotiate_client, negotiate_server, ClientExtensionFactory, ServerExtensionFactory};
use wasmsocket::handshake::{ExtensionOffer, ExtensionParam};

fn p(list: &[(&str, Option<&str>)]) -> Vec<ExtensionParam> {
    list.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
}

fn server(c: Bzip2Config) -> ServerPerMessageBzip2Factory {
    ServerPerMessageBzip2Factory::new(c).unwrap()
}

fn client(c: Bzip2Config) -> ClientPerMessageBzip2Factory {
    ClientPerMessageBzip2Factory::new(c).unwrap()
}

const FLAG: (&str, Option<&str>) = ("client_max_compress_level", None);

fn smax(v: &str) -> (&str, Option<&str>) {
    ("server_max_compress_level", Some(v))
}

fn cmax(v: &str) -> (&str, Option<&str>) {
    ("client_max_compress_level", Some(v))
}

#[test]
fn server_declines_malformed_offers() {
    let s = server(Bzip2Config::server());
    let bad: &[&[(&str, Option<&str>)]] = &[
        &[FLAG, FLAG],
        &[smax("3"), smax("3")],
        &[("x_unknown", None)],
        &[("server_max_window_bits", Some("10"))], // a deflate parameter
        &[cmax("5")],                              // a flag in an offer
        &[("client_max_compress_level", Some(""))],
        &[("server_max_compress_level", None)],
        &[smax("0")],
        &[smax("10")],
        &[smax("09")],
        &[smax("+9")],
        &[smax(" 9")],
        &[smax("abc")],
        &[smax("")],
    ];
    for offer in bad {
        assert!(s.negotiate(&p(offer)).is_err(), "accepted {offer:?}");
        assert!(s.process_request_params(&p(offer), &[]).is_err(), "accepted {offer:?}");
    }
}

#[test]
fn server_accepts_each_parameter() {
    let s = server(Bzip2Config::server());
    type Params<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: &[(Params, Params, Agreement)] = &[
        (&[], &[], Agreement::default()),
        // The flag alone: we have no cap for clients, so nothing to say.
        (&[FLAG], &[], Agreement::default()),
        (&[smax("4")], &[smax("4")], Agreement { server_max_compress_level: Some(4), ..Default::default() }),
        (&[FLAG, smax("1")], &[smax("1")], Agreement { server_max_compress_level: Some(1), ..Default::default() }),
        (&[smax("9"), FLAG], &[smax("9")], Agreement { server_max_compress_level: Some(9), ..Default::default() }),
    ];
    for (offer, response, agreement) in cases {
        let (r, a) = s.negotiate(&p(offer)).unwrap();
        assert_eq!(r, p(response), "offer {offer:?}");
        assert_eq!(&a, agreement, "offer {offer:?}");
        let (r, _) = s.process_request_params(&p(offer), &[]).unwrap();
        assert_eq!(r, p(response), "offer {offer:?}");
    }
}

#[test]
fn server_config_caps_and_imposes() {
    let s = server(Bzip2Config {
        client_max_compress_level: Some(3),
        server_max_compress_level: Some(5),
        ..Bzip2Config::server()
    });
    // Our cap is stated even when not asked; the client's only if it offered the flag.
    let (r, a) = s.negotiate(&[]).unwrap();
    assert_eq!(r, p(&[smax("5")]));
    assert_eq!(a, Agreement { server_max_compress_level: Some(5), client_max_compress_level: None });
    let (r, a) = s.negotiate(&p(&[FLAG])).unwrap();
    assert_eq!(r, p(&[smax("5"), cmax("3")]));
    assert_eq!(a, Agreement { server_max_compress_level: Some(5), client_max_compress_level: Some(3) });
    // The lower of the client's request and our cap.
    let (r, _) = s.negotiate(&p(&[FLAG, smax("2")])).unwrap();
    assert_eq!(r, p(&[smax("2"), cmax("3")]));
    let (r, _) = s.negotiate(&p(&[smax("7")])).unwrap();
    assert_eq!(r, p(&[smax("5")]));
    // A server compressing at a lower level than asked states its level.
    let s = server(Bzip2Config { level: 2, ..Bzip2Config::server() });
    let (r, a) = s.negotiate(&p(&[smax("6")])).unwrap();
    assert_eq!(r, p(&[smax("2")]));
    assert_eq!(a.server_max_compress_level, Some(2));
}

#[test]
fn server_takes_the_first_acceptable_of_several_offers() {
    let offers = vec![
        ExtensionOffer::new("permessage-bzip2", &[("server_max_compress_level", Some("10"))]),
        ExtensionOffer::new("permessage-bzip2", &[("bogus", None)]),
        ExtensionOffer::new("permessage-bzip2", &[("server_max_compress_level", Some("3"))]),
        ExtensionOffer::new("permessage-bzip2", &[]),
    ];
    let factories: Vec<Box<dyn ServerExtensionFactory>> = vec![Box::new(server(Bzip2Config::server()))];
    let (response, chain) = negotiate_server(&offers, &factories);
    assert_eq!(response, vec![ExtensionOffer::new("permessage-bzip2", &[("server_max_compress_level", Some("3"))])]);
    assert_eq!(chain.names(), vec!["permessage-bzip2"]);
    assert_eq!(chain.rsv_bits(), wasmsocket::frame::RSV1);
}

#[test]
fn bzip2_and_deflate_never_share_rsv1() {
    // Offered both: the client's first choice wins and the other is skipped.
    let offers = vec![ExtensionOffer::new("permessage-bzip2", &[]), ExtensionOffer::new("permessage-deflate", &[])];
    let factories: Vec<Box<dyn ServerExtensionFactory>> =
        vec![Box::new(ServerPerMessageDeflateFactory::default()), Box::new(server(Bzip2Config::server()))];
    let (response, chain) = negotiate_server(&offers, &factories);
    assert_eq!(response.len(), 1);
    assert_eq!(chain.names(), vec!["permessage-bzip2"]);
    let reversed: Vec<ExtensionOffer> = offers.into_iter().rev().collect();
    let (_, chain) = negotiate_server(&reversed, &factories);
    assert_eq!(chain.names(), vec!["permessage-deflate"]);
}

#[test]
fn client_offer_follows_its_config() {
    // Autobahn's default offer: the flag, no request.
    assert_eq!(client(Bzip2Config::client()).offer(), p(&[FLAG]));
    let c = Bzip2Config { server_max_compress_level: Some(4), ..Bzip2Config::client() };
    assert_eq!(client(c).offer(), p(&[FLAG, smax("4")]));
    let c = Bzip2Config { accept_client_max_compress_level: false, ..Bzip2Config::client() };
    assert_eq!(client(c).offer(), p(&[]));
    for bad in [
        Bzip2Config { level: 0, ..Bzip2Config::default() },
        Bzip2Config { level: 10, ..Bzip2Config::default() },
        Bzip2Config { server_max_compress_level: Some(0), ..Bzip2Config::default() },
        Bzip2Config { client_max_compress_level: Some(10), ..Bzip2Config::default() },
    ] {
        assert!(ClientPerMessageBzip2Factory::new(bad.clone()).is_err(), "{bad:?}");
        assert!(ServerPerMessageBzip2Factory::new(bad.clone()).is_err(), "{bad:?}");
    }
}

#[test]
fn client_validates_responses() {
    let default = client(Bzip2Config::client()); // offers the flag
    let no_flag = client(Bzip2Config { accept_client_max_compress_level: false, ..Bzip2Config::client() });
    let asks_4 = client(Bzip2Config { server_max_compress_level: Some(4), ..Bzip2Config::client() });
    type Row<'a> = (&'a ClientPerMessageBzip2Factory, Vec<(&'a str, Option<&'a str>)>, Option<Agreement>, &'a str);
    let a = Agreement::default;
    let rows: Vec<Row> = vec![
        (&default, vec![], Some(a()), ""),
        (&default, vec![smax("9")], Some(Agreement { server_max_compress_level: Some(9), ..a() }), ""),
        (&default, vec![cmax("2")], Some(Agreement { client_max_compress_level: Some(2), ..a() }), ""),
        (&default, vec![FLAG], None, "needs a value"),
        (&default, vec![cmax("0")], None, "invalid"),
        (&default, vec![smax("10")], None, "invalid"),
        (&default, vec![("server_max_compress_level", None)], None, "needs a value"),
        (&default, vec![smax("3"), smax("3")], None, "duplicate"),
        (&default, vec![("bogus", None)], None, "unknown parameter"),
        (&no_flag, vec![cmax("5")], None, "was not offered"),
        (&no_flag, vec![], Some(a()), ""),
        (&asks_4, vec![], None, "requested but not accepted"),
        (&asks_4, vec![smax("5")], None, "above the requested value"),
        (&asks_4, vec![smax("4")], Some(Agreement { server_max_compress_level: Some(4), ..a() }), ""),
        (
            &asks_4,
            vec![smax("1"), cmax("7")],
            Some(Agreement { server_max_compress_level: Some(1), client_max_compress_level: Some(7) }),
            "",
        ),
    ];
    for (factory, response, expected, reason) in rows {
        let got = factory.accept(&p(&response));
        match expected {
            Some(e) => assert_eq!(got, Ok(e), "response {response:?}"),
            None => {
                let err = got.expect_err(&format!("accepted {response:?}"));
                assert!(err.0.contains(reason), "{err:?} should say {reason:?}");
                assert!(factory.process_response_params(&p(&response), &[]).is_err());
            }
        }
    }
}

#[test]
fn a_refused_response_fails_client_negotiation_with_its_reason() {
    let factories: Vec<Box<dyn ClientExtensionFactory>> =
        vec![Box::new(client(Bzip2Config { server_max_compress_level: Some(2), ..Bzip2Config::client() }))];
    let response = vec![ExtensionOffer::new("permessage-bzip2", &[("server_max_compress_level", Some("9"))])];
    let err = negotiate_client(&response, &factories).err().expect("refused");
    assert!(err.0.contains("server_max_compress_level"), "{err:?}");
}

#[test]
fn server_and_client_agree_on_every_level() {
    for s_level in 1..=9u8 {
        for c_level in 1..=9u8 {
            let c = client(Bzip2Config { server_max_compress_level: Some(s_level), ..Bzip2Config::client() });
            let s = server(Bzip2Config {
                client_max_compress_level: Some(c_level),
                server_max_compress_level: Some(6),
                ..Bzip2Config::server()
            });
            let (response, server_side) = s.negotiate(&c.offer()).unwrap();
            let client_side = c.accept(&response).unwrap();
            assert_eq!(server_side, client_side);
            assert_eq!(server_side.server_max_compress_level, Some(s_level.min(6)));
            assert_eq!(server_side.client_max_compress_level, Some(c_level));
        }
    }
}
