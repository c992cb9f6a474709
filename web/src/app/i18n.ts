import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'

import en from './locales/en.json'
import ru from './locales/ru.json'

export const LANGUAGES = ['ru', 'en'] as const
const LANG_KEY = 'cinema.lang' // a UI preference, not a credential

function initialLanguage(): string {
  const saved = window.localStorage.getItem(LANG_KEY)
  return saved && (LANGUAGES as readonly string[]).includes(saved) ? saved : 'ru'
}

void i18n.use(initReactI18next).init({
  resources: { ru: { translation: ru }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'ru',
  interpolation: { escapeValue: false }, // React escapes
})

i18n.on('languageChanged', (lang) => {
  window.localStorage.setItem(LANG_KEY, lang)
  document.documentElement.lang = lang
})
document.documentElement.lang = i18n.language

export default i18n
